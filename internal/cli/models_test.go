package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/tier-cli/tier/internal/cli"
	"github.com/tier-cli/tier/internal/ptytest"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

// Obviously fake keys; each fake provider accepts only its own.
var fakeKeys = map[string]string{
	"fake1":   "test-key-fake1-0001",
	"slow":    "test-key-slow-0002",
	"failing": "test-key-failing-0003",
	"locked":  "test-key-locked-0004",
}

// fakeProvider is an OpenAI-compatible server that answers GET /v1/models.
type fakeProvider struct {
	srv  *httptest.Server
	hits atomic.Int64
}

// newFake serves ids, with SambaNova-style rate-limit headers, to requests
// bearing key; mode "slow" answers only when the request is abandoned,
// "failing" answers 500 and "locked" 401.
func newFake(t *testing.T, key, mode string, ids ...string) *fakeProvider {
	f := &fakeProvider{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/v1/models" || r.Method != http.MethodGet {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`)
			return
		}
		switch {
		case mode == "slow":
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		case mode == "failing":
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"error":{"message":"upstream exploded","type":"server_error"}}`)
			return
		case mode == "locked" || r.Header.Get("Authorization") != "Bearer "+key:
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"message":"Invalid API key","type":"invalid_request_error","code":"invalid_api_key"}}`)
			return
		}
		w.Header().Set("x-ratelimit-limit-requests", "60")
		w.Header().Set("x-ratelimit-remaining-requests", "59")
		w.Header().Set("x-ratelimit-reset-requests", "30")
		var data []map[string]any
		for _, id := range ids {
			data = append(data, map[string]any{"id": id, "object": "model", "created": 1763683200, "owned_by": "fake-org"})
		}
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// world is a config and state directory with fake providers in the user's
// providers.yaml, and the environment a run sees.
type world struct {
	t     *testing.T
	env   map[string]string
	state *store.Store
	fakes map[string]*fakeProvider
}

func newWorld(t *testing.T) *world {
	t.Helper()
	cfg, state := t.TempDir(), t.TempDir()
	w := &world{t: t, state: store.Open(state), fakes: map[string]*fakeProvider{
		// fake1 lists m1 (in the catalog), m3 (not in it) and a ":free"
		// model; the catalog also knows m2, which it no longer lists.
		"fake1":   newFake(t, fakeKeys["fake1"], "", "m1", "m3", "vendor/x:free"),
		"slow":    newFake(t, fakeKeys["slow"], "slow"),
		"failing": newFake(t, fakeKeys["failing"], "failing"),
		"locked":  newFake(t, fakeKeys["locked"], "locked"),
		"nokey":   newFake(t, "", "", "n1"),
	}}
	extra := map[string]string{"fake1": `    free_model_suffix: ":free"
    limits:
      - {tier: free, models: ["*"], rpm: 30, rpd: 1000, as_of: 2026-11-01, source: "https://fake.test/limits"}
      - {tier: free, models: [m1], tpm: 6000, as_of: 2026-11-01, source: "https://fake.test/limits", confidence: dated}
    models:
      - {id: m1, status: production, free: true, context_length: 131072}
      - {id: m2, status: preview, price: {input: 0.5, output: 1.5, as_of: 2026-11-01, source: "https://fake.test/prices"}}
`}
	var b strings.Builder
	b.WriteString("providers:\n")
	for _, name := range []string{"fake1", "slow", "failing", "locked", "nokey"} {
		fmt.Fprintf(&b, "  %s:\n    base_url: %q\n    key_env: %s_KEY\n    default_model: m1\n    dialect: sambanova\n%s",
			name, w.fakes[name].srv.URL+"/v1", strings.ToUpper(name), extra[name])
	}
	yml := b.String()
	if err := os.WriteFile(filepath.Join(cfg, "providers.yaml"), []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = map[string]string{
		"TIER_CONFIG_DIR": cfg,
		"TIER_STATE_DIR":  state,
		"TIER_NO_KEYRING": "1",
		"HOME":            t.TempDir(),
		"NO_COLOR":        "1",
	}
	for name, key := range fakeKeys {
		w.env[strings.ToUpper(name)+"_KEY"] = key
	}
	return w
}

func (w *world) run(args ...string) (stdout, stderr string, code int) {
	w.t.Helper()
	var out, errb bytes.Buffer
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return w.env[k] }}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code = cli.Run(ctx, env, args)
	for _, key := range fakeKeys {
		if strings.Contains(out.String(), key) || strings.Contains(errb.String(), key) {
			w.t.Errorf("tier %s printed an API key", strings.Join(args, " "))
		}
	}
	return out.String(), errb.String(), code
}

func (w *world) hits(name string) int64 { return w.fakes[name].hits.Load() }

// entries decodes `tier models --json` output.
func entries(t *testing.T, stdout string) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, stdout)
	}
	return out
}

func ids(es []map[string]any) []string {
	var out []string
	for _, e := range es {
		out = append(out, e["provider"].(string)+"/"+e["id"].(string))
	}
	return out
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestModelsMergeJSON(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// A quota seen earlier for m1 with the default key.
	rem, lim := int64(7), int64(1000)
	if err := w.state.SaveSnapshot(quota.Snapshot{Provider: "fake1", Key: "default", Model: "m1", ObservedAt: time.Now().Add(-time.Minute),
		Windows: []quota.Window{{Metric: "requests", Period: "day", Limit: &lim, Remaining: &rem, Source: "header"}}}); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := w.run("models", "fake1", "--json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	got := map[string]map[string]any{}
	for _, e := range entries(t, stdout) {
		got[e["id"].(string)] = e
	}
	cases := []struct {
		id       string
		wantKeys []string // every field present; anything not known is absent
		listed   bool
		inCat    bool
	}{
		// Every model is free: fake1 publishes free-tier limits for "*".
		{"m1", []string{"context_length", "default", "free", "free_reason", "id", "in_catalog", "limits", "listed", "owned_by", "provider", "quota", "status"}, true, true},
		{"m2", []string{"free", "free_reason", "id", "in_catalog", "limits", "listed", "price", "provider", "status"}, false, true},
		{"m3", []string{"free", "free_reason", "id", "in_catalog", "limits", "listed", "owned_by", "provider"}, true, false},
		{"vendor/x:free", []string{"free", "free_reason", "id", "in_catalog", "limits", "listed", "owned_by", "provider"}, true, false},
	}
	if len(got) != len(cases) {
		t.Errorf("ids %v, want %d", keysOfEntries(got), len(cases))
	}
	for _, c := range cases {
		e := got[c.id]
		if !reflect.DeepEqual(keysOf(e), c.wantKeys) {
			t.Errorf("%s: fields %v, want %v", c.id, keysOf(e), c.wantKeys)
		}
		if e["provider"] != "fake1" || e["listed"] != c.listed || e["in_catalog"] != c.inCat {
			t.Errorf("%s: provider=%v listed=%v in_catalog=%v, want fake1 %v %v", c.id, e["provider"], e["listed"], e["in_catalog"], c.listed, c.inCat)
		}
	}

	m1 := got["m1"]
	if m1["free"] != true || m1["status"] != "production" || m1["context_length"] != 131072.0 || m1["owned_by"] != "fake-org" {
		t.Errorf("m1: %v", m1)
	}
	wantLimits := `[{"as_of":"2026-11-01","confidence":"dated","source":"https://fake.test/limits","tier":"free","tpm":6000},{"as_of":"2026-11-01","rpd":1000,"rpm":30,"source":"https://fake.test/limits","tier":"free"}]`
	if b, _ := json.Marshal(m1["limits"]); string(b) != wantLimits {
		t.Errorf("m1 limits %s,\nwant %s (the model's own limit first)", b, wantLimits)
	}
	q, _ := m1["quota"].(map[string]any)
	if q["provider"] != "fake1" || q["model"] != "m1" || q["key"] != "default" || len(q["windows"].([]any)) != 1 {
		t.Errorf("m1 quota %v, want the stored snapshot in its contract form", q)
	}
	wantPrice := map[string]any{"input": 0.5, "output": 1.5, "currency": "USD", "as_of": "2026-11-01", "source": "https://fake.test/prices"}
	if !reflect.DeepEqual(got["m2"]["price"], wantPrice) {
		t.Errorf("m2 price %v, want %v", got["m2"]["price"], wantPrice)
	}

	// The models response's rate-limit headers became the provider's snapshot.
	snap, ok, err := w.state.Snapshot("fake1", "default", "")
	if err != nil || !ok || len(snap.Windows) != 1 || snap.Windows[0].Remaining == nil || *snap.Windows[0].Remaining != 59 ||
		snap.Windows[0].Period != quota.PeriodMinute {
		t.Errorf("provider snapshot %+v ok=%v err=%v, want requests/minute 59 of 60 from the headers", snap, ok, err)
	}
}

func keysOfEntries(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestModelsTableAndFree(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		args    []string
		rows    []string // the MODEL column, in order
		contain []string
	}{
		{"every model, unlisted ones flagged", []string{"models", "fake1"},
			[]string{"m1", "m2", "m3", "vendor/x:free"},
			[]string{"MODEL", "LIMITS", "free: TPM 6000? · RPM 30 · RPD 1000", "128K", "$0.5 / $1.5", "not listed", "default"}},
		// m1 is marked free and vendor/x:free has the suffix ("yes"); m2
		// and m3 fall under the free tier's published limits for "*".
		{"--free keeps the free ones", []string{"models", "fake1", "--free"},
			[]string{"m1", "m2", "m3", "vendor/x:free"}, []string{"yes", "free tier"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			stdout, stderr, code := w.run(c.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if strings.Contains(stdout, "\x1b") {
				t.Errorf("escape codes in a pipe:\n%s", stdout)
			}
			lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
			var rows []string
			for _, l := range lines[1:] {
				rows = append(rows, strings.Fields(l)[0])
			}
			if !reflect.DeepEqual(rows, c.rows) {
				t.Errorf("rows %v, want %v\n%s", rows, c.rows, stdout)
			}
			for _, s := range c.contain {
				if !strings.Contains(stdout, s) {
					t.Errorf("table lacks %q:\n%s", s, stdout)
				}
			}
			for _, l := range lines[1:] {
				f := columns(l)
				if f[0] == "m3" && (f[1] != "-" || f[2] != "free tier" || f[3] != "-" || f[4] != "-") {
					t.Errorf("m3, unknown to the catalog, should be shown plainly: %q", l)
				}
				if (f[0] == "m2") != strings.Contains(l, "not listed") {
					t.Errorf("only m2 is no longer listed: %q", l)
				}
			}
		})
	}
}

// columns splits a plain table line into its cells (tab-separated, or
// aligned with two or more spaces).
func columns(line string) []string {
	return regexp.MustCompile(`\t| {2,}`).Split(strings.TrimSpace(line), -1)
}

// TestModelsFreeTierLimitsCountAsFree is the README's `tier models groq
// --free`: the built-in Groq profile publishes free-tier limits for two
// models (free: TPM 6000 on llama-3.1-8b-instant), so those two are free,
// and say why; a model it lists with no free-tier limit is not.
func TestModelsFreeTierLimitsCountAsFree(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const key = "test-key-groq-0005"
	groq := newFake(t, key, "", "llama-3.1-8b-instant", "llama-3.3-70b-versatile", "some-paid-model")
	cfg := filepath.Join(w.env["TIER_CONFIG_DIR"], "providers.yaml")
	yml, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	yml = append(yml, fmt.Sprintf("  groq:\n    base_url: %q\n", groq.srv.URL+"/v1")...)
	if err := os.WriteFile(cfg, yml, 0o600); err != nil {
		t.Fatal(err)
	}
	w.env["GROQ_API_KEY"] = key

	stdout, stderr, code := w.run("models", "groq", "--free")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	var rows []string
	for _, l := range lines[1:] {
		f := columns(l)
		rows = append(rows, f[0])
		if f[2] != "free tier" {
			t.Errorf("%s: FREE %q, want \"free tier\": %q", f[0], f[2], l)
		}
	}
	if want := []string{"llama-3.1-8b-instant", "llama-3.3-70b-versatile"}; !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %v, want %v\n%s", rows, want, stdout)
	}

	stdout, stderr, code = w.run("models", "groq", "--json")
	if code != 0 {
		t.Fatalf("--json: exit %d, stderr %q", code, stderr)
	}
	for _, e := range entries(t, stdout) {
		free := e["id"] != "some-paid-model"
		if got := e["free"] == true; got != free {
			t.Errorf("%s: free %v, want %v", e["id"], e["free"], free)
		}
		if want := map[bool]any{true: "free tier limits published", false: nil}[free]; e["free_reason"] != want {
			t.Errorf("%s: free_reason %v, want %v", e["id"], e["free_reason"], want)
		}
	}
}

// TestModelsTableFitsTheTerminal runs `tier models` on terminals of 60,
// 80 and 120 columns: no line is wider than the terminal, and every model
// is still there. (internal/ui tests the layouts themselves.)
func TestModelsTableFitsTheTerminal(t *testing.T) {
	t.Parallel()
	for _, cols := range []int{60, 80, 120} {
		t.Run(fmt.Sprint(cols), func(t *testing.T) {
			w := newWorld(t)
			master, tty := ptytest.Open(t)
			ptytest.SetSize(t, tty, cols, 50)
			got := make(chan string)
			go func() {
				b, _ := io.ReadAll(master) // until the terminal closes (EIO)
				got <- string(b)
			}()
			var errb bytes.Buffer
			env := &cli.Env{Stdin: strings.NewReader(""), Stdout: tty, Stderr: &errb, Getenv: func(k string) string { return w.env[k] }}
			code := cli.Run(context.Background(), env, []string{"models", "fake1"})
			tty.Close()
			var out string
			select {
			case out = <-got:
			case <-time.After(10 * time.Second):
				t.Fatal("no output from the terminal")
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			out = strings.ReplaceAll(out, "\r\n", "\n")
			for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
				if n := lipgloss.Width(l); n > cols {
					t.Errorf("a %d-column line on a %d-column terminal: %q", n, cols, l)
				}
			}
			for _, id := range []string{"m1", "m2", "m3", "vendor/x:free"} {
				if !strings.Contains(out, id) {
					t.Errorf("model %s is missing:\n%s", id, out)
				}
			}
		})
	}
}

func TestModelsConcurrentFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		args       []string
		wantCode   int
		wantIDs    []string
		wantStderr []string
	}{
		{"one slow, one failing: the good one is still shown, exit 6",
			[]string{"models", "fake1", "slow", "failing", "--timeout", "300ms"}, 6,
			[]string{"fake1/m1", "fake1/m2", "fake1/m3", "fake1/vendor/x:free"},
			[]string{"tier: slow: no answer within 300ms", "tier: failing", "upstream exploded"}},
		{"a refused key is more severe than a network failure: exit 3",
			[]string{"models", "failing", "locked", "fake1", "--timeout", "5s"}, 3,
			[]string{"fake1/m1", "fake1/m2", "fake1/m3", "fake1/vendor/x:free"},
			[]string{"tier: locked refused the key", "tier: failing"}},
		{"--all: providers with a key and those that need none, at once",
			[]string{"models", "--all", "--timeout", "300ms"}, 3,
			[]string{"demo/demo-echo-1", "fake1/m1", "fake1/m2", "fake1/m3", "fake1/vendor/x:free"},
			[]string{"slow: no answer within 300ms", "tier: failing", "tier: locked refused the key", "skipped", "nokey"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			start := time.Now()
			stdout, stderr, code := w.run(append(c.args, "--json")...)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v: the providers were not fetched at once", d)
			}
			if code != c.wantCode {
				t.Errorf("exit %d, want %d; stderr %q", code, c.wantCode, stderr)
			}
			if got := ids(entries(t, stdout)); !reflect.DeepEqual(got, c.wantIDs) {
				t.Errorf("entries %v, want %v", got, c.wantIDs)
			}
			for _, s := range c.wantStderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			for _, l := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
				if !strings.HasPrefix(l, "tier: ") || strings.Contains(l, "some providers failed") {
					t.Errorf("stderr line %q: want one \"tier: \" line a problem, and no summary", l)
				}
			}
		})
	}
	// --all reaches no provider without a key.
	w := newWorld(t)
	w.run("models", "--all", "--timeout", "300ms")
	if w.hits("nokey") != 0 {
		t.Error("--all fetched a provider with no key")
	}
}

func TestModelsCache(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	step := func(name string, args []string, wantHits int64, wantStderr string, wantCode int) {
		t.Helper()
		stdout, stderr, code := w.run(args...)
		if code != wantCode || w.hits("fake1") != wantHits {
			t.Errorf("%s: exit %d, %d fetches; want exit %d, %d fetches (stderr %q)", name, code, w.hits("fake1"), wantCode, wantHits, stderr)
		}
		if wantStderr == "" && stderr != "" || !strings.Contains(stderr, wantStderr) {
			t.Errorf("%s: stderr %q, want %q", name, stderr, wantStderr)
		}
		if len(entries(t, stdout)) != 4 {
			t.Errorf("%s: %d entries, want fake1's 4", name, len(entries(t, stdout)))
		}
	}
	cacheAt := func(ago time.Duration) {
		if err := w.state.SaveModels("fake1", []store.CachedModel{{ID: "m1"}, {ID: "m3"}, {ID: "vendor/x:free"}}, time.Now().Add(-ago)); err != nil {
			t.Fatal(err)
		}
	}
	js := []string{"models", "fake1", "--json"}
	step("first run fetches", js, 1, "", 0)
	step("second run uses the cache", js, 1, "tier: fake1: cached 0s ago (--refresh to update)\n", 0)
	step("--refresh fetches", append(js, "--refresh"), 2, "", 0)
	cacheAt(3 * time.Hour)
	step("a 3h-old cache is fresh for 24h", js, 2, "tier: fake1: cached 3h ago (--refresh to update)\n", 0)
	step("--max-age 1h: a 3h-old cache is stale", append(js, "--max-age", "1h"), 3, "", 0)
	cacheAt(25 * time.Hour)
	step("a 25h-old cache is stale", js, 4, "", 0)

	// Offline with an old cache: shown, with the failure and the cache's age.
	cacheAt(50 * time.Hour)
	w.fakes["fake1"].srv.Close()
	step("provider down, old cache", js, 4, "tier: fake1: showing the list cached 2d ago\n", 6)
}

func TestModelsDefaultProviderAndErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		want     string // in stdout (code 0) or stderr
	}{
		{"the catalog's default, demo, answers offline", nil, []string{"models", "--json"}, 0, `"provider":"demo","id":"demo-echo-1","listed":true`},
		{"TIER_PROVIDER picks the default", map[string]string{"TIER_PROVIDER": "fake1"}, []string{"models", "--json"}, 0, `"provider":"fake1","id":"m1"`},
		{"unknown provider", nil, []string{"models", "fake2"}, 2, `unknown provider "fake2" (did you mean "fake1"?)`},
		{"no key", map[string]string{"FAKE1_KEY": ""}, []string{"models", "fake1"}, 3, "no key for fake1: set FAKE1_KEY"},
		{"names and --all", nil, []string{"models", "fake1", "--all"}, 2, "not both"},
		{"negative timeout", nil, []string{"models", "--timeout", "-1s"}, 2, "must not be negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			for k, v := range c.env {
				w.env[k] = v
			}
			stdout, stderr, code := w.run(c.args...)
			if code != c.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", code, c.wantCode, stderr)
			}
			out := stderr
			if code == 0 {
				out = stdout
			}
			if !strings.Contains(out, c.want) {
				t.Errorf("output %q lacks %q", out, c.want)
			}
		})
	}
}

func TestModelsCompletion(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"-m: the default provider's cached and catalog models", map[string]string{"TIER_PROVIDER": "fake1"},
			[]string{"__complete", "chat", "-m", ""},
			[]string{"cached-only\tfree tier", "m1\tdefault, free, production", "m2\tfree tier, preview"}},
		{"-p on the same line chooses the provider", nil,
			[]string{"__complete", "chat", "-p", "fake1", "--model", "m"},
			[]string{"m1\tdefault, free, production", "m2\tfree tier, preview"}},
		{"the catalog's default provider", nil,
			[]string{"__complete", "chat", "-m", ""},
			[]string{"demo-echo-1\tdefault, free tier, production"}},
		{"a command without -p: the providers among its arguments", nil,
			[]string{"__complete", "quota", "fake1", "-m", "m"},
			[]string{"m1\tdefault, free, production", "m2\tfree tier, preview"}},
		{"-p: provider names", nil,
			[]string{"__complete", "chat", "-p", "f"},
			[]string{"failing", "fake1", "fireworks\tFireworks AI"}},
		{"models arguments: provider names not yet given", nil,
			[]string{"__complete", "models", "fake1", "fa"},
			[]string{"failing"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			for k, v := range c.env {
				w.env[k] = v
			}
			if err := w.state.SaveModels("fake1", []store.CachedModel{{ID: "cached-only"}, {ID: "m1"}}, time.Now().Add(-90*24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := w.run(c.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
			if last := lines[len(lines)-1]; last != ":4" {
				t.Errorf("directive %q, want :4 (no file completion)", last)
			}
			if got := lines[:len(lines)-1]; !reflect.DeepEqual(got, c.want) {
				t.Errorf("completions %q, want %q", got, c.want)
			}
			for name := range w.fakes {
				if w.hits(name) != 0 {
					t.Errorf("completion reached %s over the network", name)
				}
			}
		})
	}
}
