package app

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

// world is a run's factory over temporary directories, a fixed clock and
// a memory keyring.
type world struct {
	env     map[string]string
	cfg     string
	stderr  bytes.Buffer
	keyring *keys.MemoryBackend
	now     time.Time
}

func newWorld(t *testing.T, providersYAML string) *world {
	t.Helper()
	w := &world{cfg: t.TempDir(), keyring: keys.NewMemoryBackend(), now: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
	w.env = map[string]string{"TIER_CONFIG_DIR": w.cfg, "TIER_STATE_DIR": t.TempDir(), "TIER_NO_KEYRING": ""}
	if providersYAML != "" {
		if err := os.WriteFile(filepath.Join(w.cfg, "providers.yaml"), []byte(providersYAML), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) app() *App {
	return New(Config{Getenv: func(k string) string { return w.env[k] }, Now: func() time.Time { return w.now },
		Stderr: &w.stderr, Keyring: w.keyring})
}

func TestAbsoluteDirs(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		env       map[string]string
		wantState string
		wantOther string
	}{
		{"unset", map[string]string{"HOME": "/h"}, "", "/h"},
		{"absolute kept", map[string]string{"TIER_STATE_DIR": "/var/tier"}, "/var/tier", ""},
		{"relative made absolute", map[string]string{"TIER_STATE_DIR": "st"}, filepath.Join(wd, "st"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv, err := AbsoluteDirs(func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if got := getenv("TIER_STATE_DIR"); got != tt.wantState {
				t.Errorf("TIER_STATE_DIR = %q, want %q", got, tt.wantState)
			}
			if got := getenv("HOME"); got != tt.wantOther {
				t.Errorf("HOME = %q, want %q (other variables pass through)", got, tt.wantOther)
			}
		})
	}
}

func TestLocalZone(t *testing.T) {
	for tz, want := range map[string]string{"Europe/Paris": "Europe/Paris", ":Asia/Tokyo": "Asia/Tokyo", "Not/AZone": time.Local.String(), "": time.Local.String()} {
		if got := LocalZone(func(string) string { return tz }).String(); got != want {
			t.Errorf("LocalZone(TZ=%q) = %s, want %s", tz, got, want)
		}
	}
}

func TestErrorKindIsAFallback(t *testing.T) {
	plain := errors.New("boom")
	if e := usageErr(plain); !errors.As(e, new(*Error)) || e.(*Error).Kind != KindUsage || !errors.Is(e, plain) {
		t.Errorf("usageErr(plain) = %#v, want a KindUsage Error wrapping it", e)
	}
	// A kind given once is not overwritten by a later, vaguer one.
	if e := authErr(usageErr(plain)); e.(*Error).Kind != KindUsage {
		t.Errorf("authErr(usageErr(x)).Kind = %v, want KindUsage", e.(*Error).Kind)
	}
	// What the wrapped error is stays visible to errors.Is (exit.go maps
	// it first: a damaged state file stays exit 2 whatever the kind).
	if e := authErr(store.ErrCorrupt); !errors.Is(e, store.ErrCorrupt) {
		t.Errorf("authErr(ErrCorrupt) hides ErrCorrupt: %v", e)
	}
	if usageErr(nil) != nil {
		t.Error("usageErr(nil) != nil")
	}
}

func TestPasswordCmd(t *testing.T) {
	tests := []struct {
		cmd, want, err string
	}{
		{"printf ' s3cret \\n'", "s3cret", ""},
		{"true", "", "printed nothing"},
		{"exit 3", "", "password_cmd failed"},
	}
	for _, tt := range tests {
		got, err := passwordCmd(tt.cmd)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("passwordCmd(%q) = %q, %v; want %q, error %q", tt.cmd, got, err, tt.want, tt.err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("passwordCmd's error shows its output: %v", err)
		}
	}
}

func TestLimitWriterKeepsTheFirstBytes(t *testing.T) {
	var b bytes.Buffer
	w := &limitWriter{w: &b, n: 5}
	for _, s := range []string{"abc", "defg", "hij"} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v: it must take everything", s, n, err)
		}
	}
	if b.String() != "abcde" {
		t.Errorf("kept %q, want %q", b.String(), "abcde")
	}
}

const poolsYAML = `pools:
  free:
    - groq/default/llama-3.1-8b-instant
    - cerebras/default/llama3.1-8b
  any-key:
    - groq/*/llama-3.1-8b-instant
`

func TestChatTarget(t *testing.T) {
	w := newWorld(t, poolsYAML)
	tests := []struct {
		name                        string
		pool, provider, model, key  string
		wantProfile, wantPool       string
		wantModel, wantKey, wantErr string
	}{
		{name: "a provider", provider: "groq", model: "m", key: "k", wantProfile: "groq", wantModel: "m", wantKey: "k"},
		{name: "-p naming a pool", provider: "free", key: "default", wantProfile: "groq", wantPool: "free", wantModel: "llama-3.1-8b-instant", wantKey: "default"},
		{name: "--pool", pool: "free", wantProfile: "groq", wantPool: "free", wantModel: "llama-3.1-8b-instant", wantKey: "default"},
		{name: "* with no stored key: the default", pool: "any-key", wantProfile: "groq", wantPool: "any-key", wantModel: "llama-3.1-8b-instant", wantKey: "default"},
		{name: "unknown pool", pool: "nope", wantPool: "nope", wantErr: "(pools: any-key, free)"},
		// A pool's targets name their own key and model.
		{name: "-m with a pool", pool: "free", model: "m", wantPool: "free", wantErr: `-m and --key are for one provider: pool "free"'s targets`},
		{name: "--key with a pool", provider: "free", key: "work", wantPool: "free", wantErr: "drop them, or use -p PROVIDER"},
		{name: "unknown provider", provider: "nope", model: "m", wantModel: "m", wantErr: "nope"},
		// -p takes pools too: an unknown name is told them.
		{name: "unknown provider or pool", provider: "nope", model: "m", wantModel: "m", wantErr: `unknown provider "nope"; known providers: `},
		{name: "unknown provider, the pools", provider: "nope", model: "m", wantModel: "m", wantErr: "; pools: any-key, free"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, poolName, model, key, err := w.app().ChatTarget(tt.pool, tt.provider, tt.model, tt.key)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to say %q", err, tt.wantErr)
				}
				if !errors.As(err, new(*Error)) {
					t.Errorf("err = %#v, want an app Error (a usage error)", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if p != nil && p.Name != tt.wantProfile {
				t.Errorf("profile = %s, want %s", p.Name, tt.wantProfile)
			}
			if poolName != tt.wantPool || model != tt.wantModel || key != tt.wantKey {
				t.Errorf("pool, model, key = %q, %q, %q; want %q, %q, %q", poolName, model, key, tt.wantPool, tt.wantModel, tt.wantKey)
			}
		})
	}
}

func TestCheckKeyNamed(t *testing.T) {
	w := newWorld(t, "")
	a := w.app()
	st, err := a.Store()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveSnapshotMerged(quota.Snapshot{Provider: "groq", Key: "seen", Model: "m", ObservedAt: w.now}); err != nil {
		t.Fatal(err)
	}
	w.env["CEREBRAS_API_KEY"] = "fake-test-key-1234"
	tests := []struct {
		names []string
		key   string
		ok    bool
	}{
		{nil, "work", true},                     // no provider named: every row is filtered
		{[]string{"groq"}, "", true},            // no --key
		{[]string{"groq"}, "seen", true},        // quota seen under it
		{[]string{"groq"}, "work", false},       // nothing of it anywhere
		{[]string{"cerebras"}, "default", true}, // the environment supplies it
		{[]string{"demo"}, "default", true},     // needs none
	}
	for _, tt := range tests {
		err := w.app().CheckKeyNamed(tt.names, tt.key)
		if (err == nil) != tt.ok {
			t.Errorf("CheckKeyNamed(%v, %q) = %v, want ok=%v", tt.names, tt.key, err, tt.ok)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindAuth {
				t.Errorf("CheckKeyNamed(%v, %q) = %#v, want a KindAuth Error", tt.names, tt.key, err)
			}
		}
	}
}

func TestProviderCompletions(t *testing.T) {
	a := newWorld(t, "").app()
	all := a.ProviderCompletions(nil, "", false)
	keyed := a.ProviderCompletions(nil, "", true)
	has := func(list []string, name string) bool {
		for _, s := range list {
			if s == name || strings.HasPrefix(s, name+"\t") {
				return true
			}
		}
		return false
	}
	if !has(all, "demo") || has(keyed, "demo") {
		t.Errorf("demo: in all %v, in keyed %v; want only in all", has(all, "demo"), has(keyed, "demo"))
	}
	if !has(keyed, "groq") {
		t.Error("keyed completions lack groq")
	}
	if got := a.ProviderCompletions([]string{"groq"}, "gr", false); has(got, "groq") {
		t.Errorf("completions %v offer groq, already given", got)
	}
}

func TestStatusLineRefusesUnknownProviders(t *testing.T) {
	a := newWorld(t, "").app()
	if _, err := a.StatusLine([]string{"nope"}); err == nil || !errors.As(err, new(*Error)) {
		t.Errorf("StatusLine(nope) = %v, want a usage error", err)
	}
	line, err := a.StatusLine(nil)
	if err != nil || len(line.Providers) != 0 {
		t.Errorf("StatusLine() on empty state = %+v, %v; want no providers", line, err)
	}
}

func TestGateCountsRefreshFailuresAsBlind(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	reqs, err := overview.ParseRequirements("rpd=20")
	if err != nil {
		t.Fatal(err)
	}
	noKey := errors.New("no key for groq")
	failures := []engine.Refreshed{{Provider: "groq", Err: noKey}}
	for _, tt := range []struct {
		name     string
		auth     func(error) bool
		wantAuth bool
	}{
		{"for want of a key", func(err error) bool { return errors.Is(err, noKey) }, true},
		{"the network", func(error) bool { return false }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var errw bytes.Buffer
			n, auth := Gate(&errw, nil, now, reqs, false, failures, overview.Filter{Providers: []string{"groq"}}, tt.auth)
			if n == 0 || auth != tt.wantAuth {
				t.Errorf("Gate = %d unmet, auth %v; want some unmet, auth %v", n, auth, tt.wantAuth)
			}
			if !strings.Contains(errw.String(), "tier: requirement not met: ") {
				t.Errorf("stderr = %q", errw.String())
			}
		})
	}
}

// CheckQuota refuses what tier quota cannot do before anything is read
// or asked, each as a usage error, and hands back what it checked.
func TestCheckQuota(t *testing.T) {
	w := newWorld(t, "")
	tests := []struct {
		name    string
		q       QuotaCheck
		want    string // "" when accepted; else a piece of the error
		reqs    int
		format  string
		wantErr bool
	}{
		{"nothing asked", QuotaCheck{}, "", 0, "", false},
		{"a requirement", QuotaCheck{Require: "rpd=20,credit=1"}, "", 2, "", false},
		{"--require ''", QuotaCheck{RequireSet: true}, "empty", 0, "", true},
		{"a malformed requirement", QuotaCheck{Require: "rpd"}, "rpd", 0, "", true},
		{"prometheus", QuotaCheck{Format: "prometheus"}, "", 0, "prometheus", false},
		{"an unknown format", QuotaCheck{Format: "csv"}, "csv", 0, "", true},
		{"--format with --json", QuotaCheck{Format: "prometheus", JSON: true}, "--json", 0, "", true},
		{"a refresh with no time", QuotaCheck{Refreshing: true}, "--timeout", 0, "", true},
		{"a refresh", QuotaCheck{Refreshing: true, Timeout: time.Second}, "", 0, "", false},
		{"an unknown provider", QuotaCheck{Providers: []string{"nosuch"}}, "nosuch", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs, format, err := w.app().CheckQuota(tt.q)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Kind != KindUsage || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("err = %v, want a KindUsage error naming %q", err, tt.want)
				}
				return
			}
			if len(reqs) != tt.reqs || format != tt.format {
				t.Errorf("got %d requirements and format %q, want %d and %q", len(reqs), format, tt.reqs, tt.format)
			}
		})
	}
}

// TIER_SHARED_MODE overrides providers.yaml's shared: mode, as TIER_SHARED
// overrides its url: a CI job makes a team's file strict.
func TestSharedModeFromTheEnvironmentWins(t *testing.T) {
	for _, tt := range []struct{ env, want string }{{"", "preferred"}, {"required", "required"}, {"preferred", "preferred"}} {
		w := newWorld(t, "shared:\n  url: redis://127.0.0.1:1/0\n  mode: preferred\n")
		w.env["TIER_SHARED_MODE"] = tt.env
		f, err := w.app().Fleet()
		if err != nil {
			t.Fatalf("TIER_SHARED_MODE=%q: %v", tt.env, err)
		}
		if got := string(f.Mode()); got != tt.want {
			t.Errorf("TIER_SHARED_MODE=%q: mode %s, want %s", tt.env, got, tt.want)
		}
		f.Close()
	}
	w := newWorld(t, "shared:\n  url: redis://127.0.0.1:1/0\n")
	w.env["TIER_SHARED_MODE"] = "strict"
	var e *Error
	if _, err := w.app().Fleet(); !errors.As(err, &e) || e.Kind != KindUsage || !strings.Contains(err.Error(), "TIER_SHARED_MODE") {
		t.Errorf("TIER_SHARED_MODE=strict: %v, want a usage error naming TIER_SHARED_MODE", err)
	}
}
