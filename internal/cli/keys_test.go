package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/ptytest"
)

// End-to-end tests of 'tier keys' and of the key wiring of chat, quota and
// models: tier runs in process (Run) against a fake provider, with state
// and config in temporary directories. Each flow runs twice: against an
// in-memory keyring, and against the real Secret Service when there is a
// session bus (.ci/with-keyring provides one; without it those runs skip).
// Each world has its own keyring and clock (in the run's Env).

// Test keys: obviously fake. The fake provider accepts the "good" ones.
const (
	goodKey    = "test-key-good-0001"
	goodKey2   = "test-key-good-0002"
	goodKey3   = "test-key-good-0003"
	badKey     = "test-key-refused-0009"
	limitedKey = "test-key-limited-0429" // the fake answers 429 to it
	nolistKey  = "test-key-nolist-0404"  // and 404 to this one
)

// keyFake is an OpenAI-compatible provider that accepts some keys: GET
// /v1/models lists m1, POST /v1/chat/completions replies (not streamed);
// any other key gets 401. It remembers the fingerprint of the last key it
// accepted, never a key.
type keyFake struct {
	srv    *httptest.Server
	accept map[string]bool
	models atomic.Int64 // GET /models requests, whatever the key
	chats  atomic.Int64 // chat requests, whatever the key
	mu     sync.Mutex
	lastFP string
}

func newKeyFake(t *testing.T, accepted ...string) *keyFake {
	f := &keyFake{accept: map[string]bool{}}
	for _, k := range accepted {
		f.accept[k] = true
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *keyFake) url() string { return f.srv.URL + "/v1" }

func (f *keyFake) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	key, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch r.URL.Path {
	case "/v1/models":
		f.models.Add(1)
	case "/v1/chat/completions":
		f.chats.Add(1)
	default:
		http.NotFound(w, r)
		return
	}
	switch {
	case key == limitedKey:
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"error":{"message":"slow down","type":"rate_limit_error"}}`)
		return
	case key == nolistKey:
		http.NotFound(w, r)
		return
	case !f.accept[key]:
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"message":"Invalid API key","type":"invalid_request_error","code":"invalid_api_key"}}`)
		return
	}
	f.mu.Lock()
	f.lastFP = keys.Fingerprint(key)
	f.mu.Unlock()
	if r.URL.Path == "/v1/models" {
		fmt.Fprint(w, `{"object":"list","data":[{"id":"m1","object":"model","created":1763683200,"owned_by":"fake-org"}]}`)
		return
	}
	fmt.Fprint(w, `{"id":"c1","object":"chat.completion","created":1763683200,"model":"m1","choices":[{"index":0,"message":{"role":"assistant","content":"hello there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`)
}

func (f *keyFake) last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastFP
}

// kworld is one test's tier: config and state directories, environment,
// keyring and clock.
type kworld struct {
	t          *testing.T
	real       bool
	p          string // the provider under test ("fake", or a unique name on the real keyring)
	envVar     string // its key variable
	cfg, state string
	env        map[string]string
	kr         keys.Backend // the keyring tier uses, for checking what it holds
	keyring    keys.Backend // the keyring tier is given; nil: the OS keyring
	now        time.Time    // the clock; zero: time.Now
	outputs    []string     // everything tier printed
}

var providerSeq atomic.Int64

// eachKeyring runs f against the in-memory keyring, then against the real
// Secret Service (skipped without a session bus).
func eachKeyring(t *testing.T, f func(t *testing.T, w *kworld)) {
	t.Run("memory", func(t *testing.T) { f(t, newKWorld(t, false)) })
	t.Run("secret-service", func(t *testing.T) { f(t, newKWorld(t, true)) })
}

// requireRealKeyring skips (or, under .ci/with-keyring, fails) unless the
// real Secret Service works here.
func requireRealKeyring(t *testing.T) *keys.SystemKeyring {
	t.Helper()
	harness := os.Getenv("TIER_WITH_KEYRING") == "1"
	skip := func(reason string) {
		if harness {
			t.Fatalf("%s although running under .ci/with-keyring", reason)
		}
		t.Skip(reason)
	}
	if keys.Disabled(os.Getenv) {
		skip("TIER_NO_KEYRING is set")
	}
	if _, ok := keys.SessionBus(os.Getenv); !ok {
		skip("no D-Bus session bus: run under .ci/with-keyring to test the real Secret Service")
	}
	k := keys.NewSystemKeyring(os.Getenv)
	if _, err := k.Get("tier:cli-test-probe", "probe"); !errors.Is(err, keys.ErrNotFound) {
		skip(fmt.Sprintf("the keyring here is not usable (%v): run under .ci/with-keyring to test the real Secret Service", err))
	}
	return k
}

func newKWorld(t *testing.T, real bool) *kworld {
	t.Helper()
	w := &kworld{t: t, real: real, p: "fake", envVar: "FAKE_API_KEY", cfg: t.TempDir(), state: t.TempDir()}
	w.env = map[string]string{
		"TIER_CONFIG_DIR":    w.cfg,
		"TIER_STATE_DIR":     w.state,
		"HOME":               t.TempDir(),
		"NO_COLOR":           "1",
		"TIER_STDIN_TIMEOUT": "10s",
	}
	if real {
		k := requireRealKeyring(t)
		w.kr = k
		w.p = fmt.Sprintf("tier-e2e-%d-%d", os.Getpid(), providerSeq.Add(1))
		for _, v := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
			if s := os.Getenv(v); s != "" {
				w.env[v] = s
			}
		}
		t.Cleanup(func() {
			if err := k.DeleteAll(keys.Service(w.p)); err != nil {
				t.Errorf("cleanup of the keyring: %v", err)
			}
		})
	} else {
		mem := keys.NewMemoryBackend()
		w.kr, w.keyring = mem, mem
	}
	return w
}

// noBus makes tier's keyring the real one with no session bus in reach
// (nothing in the environment; the test skips where /run/user/UID/bus
// exists, since tier would find that).
func (w *kworld) noBus() {
	w.t.Helper()
	if _, ok := keys.SessionBus(func(string) string { return "" }); ok {
		w.t.Skip("this machine has a session bus at /run/user/UID/bus, so 'no bus' cannot be simulated")
	}
	delete(w.env, "DBUS_SESSION_BUS_ADDRESS")
	delete(w.env, "XDG_RUNTIME_DIR")
	w.keyring = nil
	w.kr = keys.NewMemoryBackend() // tier holds nothing anywhere
}

// clock is the world's clock: w.now, or time.Now while that is zero.
func (w *kworld) clock() time.Time {
	if w.now.IsZero() {
		return time.Now()
	}
	return w.now
}

// factory is what a run of tier sees: the world's environment, clock and
// keyring.
func (w *kworld) factory(stdin io.Reader, stdout, stderr io.Writer) *Env {
	return &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: func(k string) string { return w.env[k] },
		Now: w.clock, Keyring: w.keyring}
}

// providers writes the user's providers.yaml: the provider under test at
// base, plus extra YAML lines for it and extra providers.
func (w *kworld) providers(base string, extra ...string) {
	w.t.Helper()
	y := fmt.Sprintf("providers:\n  %s:\n    base_url: %q\n    key_env: %s\n    key_url: https://fake.test/keys\n    default_model: m1\n",
		w.p, base, w.envVar)
	for _, e := range extra {
		y += e
	}
	if err := os.WriteFile(filepath.Join(w.cfg, "providers.yaml"), []byte(y), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// run runs tier with stdin and args ("{p}" stands for the provider).
func (w *kworld) run(stdin string, args ...string) (stdout, stderr string, code int) {
	w.t.Helper()
	args = append([]string(nil), args...)
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "{p}", w.p)
	}
	var out, errb bytes.Buffer
	env := w.factory(strings.NewReader(stdin), &out, &errb)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code = Run(ctx, env, args)
	w.outputs = append(w.outputs, out.String(), errb.String())
	return out.String(), errb.String(), code
}

// stored is the key the keyring holds for the provider under user ("" if
// nothing), without the host it is pinned to.
func (w *kworld) stored(user string) string {
	w.t.Helper()
	s, err := w.kr.Get(keys.Service(w.p), user)
	if err != nil && !errors.Is(err, keys.ErrNotFound) {
		w.t.Fatalf("reading the keyring: %v", err)
	}
	key, _ := keys.OpenSecret(s)
	return key
}

// hasLine reports whether one line of out holds every part.
func hasLine(out string, parts ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		ok := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// step is one command of a scripted flow and what must come of it.
type step struct {
	desc    string
	stdin   string
	args    []string
	setEnv  map[string]string // "" unsets
	code    int
	out     [][]string        // each: parts that must share a line of stdout
	errOut  []string          // substrings of stderr
	keyring map[string]string // keyring user -> secret it must hold ("" none)
	models  int64             // GET /models the step must cause
}

func (w *kworld) script(f *keyFake, steps []step) {
	w.t.Helper()
	for _, s := range steps {
		for k, v := range s.setEnv {
			if v == "" {
				delete(w.env, k)
			} else {
				w.env[k] = v
			}
		}
		before := f.models.Load()
		stdout, stderr, code := w.run(s.stdin, s.args...)
		if code != s.code {
			w.t.Fatalf("%s: tier %s: exit %d, want %d\nstdout: %s\nstderr: %s", s.desc, strings.Join(s.args, " "), code, s.code, stdout, stderr)
		}
		for _, parts := range s.out {
			if !hasLine(stdout, parts...) {
				w.t.Errorf("%s: no line of stdout holds %q:\n%s", s.desc, parts, stdout)
			}
		}
		for _, e := range s.errOut {
			if !strings.Contains(stderr, e) {
				w.t.Errorf("%s: stderr lacks %q:\n%s", s.desc, e, stderr)
			}
		}
		for user, want := range s.keyring {
			if got := w.stored(user); got != want {
				w.t.Errorf("%s: keyring %s holds %q, want %q", s.desc, user, keys.Fingerprint(got), keys.Fingerprint(want))
			}
		}
		if got := f.models.Load() - before; got != s.models {
			w.t.Errorf("%s: %d GET /models, want %d", s.desc, got, s.models)
		}
	}
}

// The life of a key through every command: set (refused, verified,
// unverified), list with sources and an environment override, rotate,
// a failed rotation, rollback, test and rm.
func TestKeysLifecycle(t *testing.T) {
	t.Parallel()
	eachKeyring(t, func(t *testing.T, w *kworld) {
		f := newKeyFake(t, goodKey, goodKey2, goodKey3)
		down := newKeyFake(t)
		down.srv.Close()
		w.providers(f.url(), fmt.Sprintf("  %s-down:\n    base_url: %q\n    key_env: DOWN_API_KEY\n    default_model: m1\n", w.p, down.url()))
		host := strings.TrimPrefix(f.srv.URL, "http://")
		w.script(f, []step{
			{desc: "a refused key is not stored", stdin: badKey, args: []string{"keys", "set", "{p}"}, code: ExitAuth,
				errOut: []string{"refused the key (401)", "nothing was stored"}, keyring: map[string]string{"default": ""}, models: 1},
			{desc: "a key the provider accepts is stored and pinned", stdin: goodKey + "\n", args: []string{"keys", "set", "{p}"}, code: ExitOK,
				out:     [][]string{{"Stored the key for", "…0001", "in the keyring"}, {"Verified", "pinned to " + host}},
				keyring: map[string]string{"default": goodKey}, models: 1},
			{desc: "--no-verify stores without asking the provider", stdin: badKey, args: []string{"keys", "set", "{p}", "--name", "spare", "--no-verify"}, code: ExitOK,
				out: [][]string{{`"spare"`, "…0009"}}, errOut: []string{"stored unverified (--no-verify)", "pinned to " + host}, keyring: map[string]string{"spare": badKey}, models: 0},
			{desc: "list: sources, fingerprints, the default", args: []string{"keys", "list"}, code: ExitOK,
				out: [][]string{{"PROVIDER", "SOURCE", "KEY", "CREATED", "ROTATED", "VERIFIED", "AGE", "ROTATION", "IN USE"},
					{w.p, "default", "keyring", "…0001", "in 90d", "default"},
					{w.p, "spare", "keyring", "…0009", "with --key spare"}}, models: 0},
			{desc: "an environment variable wins, and list says so", args: []string{"keys", "list"}, setEnv: map[string]string{w.envVar: goodKey3}, code: ExitOK,
				out: [][]string{{w.p, "default", "env:" + w.envVar, "…0003", "default"},
					{w.p, "default", "keyring", "…0001", "overridden by " + w.envVar}}},
			{desc: "test checks the key that wins", args: []string{"keys", "test", "{p}"}, code: ExitOK,
				out: [][]string{{"OK", "…0003 from env:" + w.envVar, "accepted"}}, models: 1},
			{desc: "rotate to a refused key changes nothing", stdin: badKey, args: []string{"keys", "rotate", "{p}"}, setEnv: map[string]string{w.envVar: ""}, code: ExitAuth,
				errOut: []string{"refused", "nothing was changed"}, keyring: map[string]string{"default": goodKey, "default.previous": ""}, models: 1},
			{desc: "rotate to the same key is refused", stdin: goodKey, args: []string{"keys", "rotate", "{p}"}, code: ExitUsage,
				errOut: []string{"already stored"}, keyring: map[string]string{"default": goodKey}, models: 0},
			{desc: "rotate keeps the previous key", stdin: goodKey2, args: []string{"keys", "rotate", "{p}"}, code: ExitOK,
				out:     [][]string{{"Rotated", "…0002 is in use", "…0001 is kept", "--rollback"}},
				keyring: map[string]string{"default": goodKey2, "default.previous": goodKey}, models: 1},
			{desc: "list shows the rotation", args: []string{"keys", "list", "--json"}, code: ExitOK,
				out: [][]string{{`"name":"default"`, `"fingerprint":"…0002"`, `"last_rotated":`, `"has_previous":true`, `"default":true`}}},
			{desc: "rollback restores the previous key", args: []string{"keys", "rotate", "{p}", "--rollback"}, code: ExitOK,
				out:     [][]string{{"Rolled back", "…0001 again", "…0002 is kept"}},
				keyring: map[string]string{"default": goodKey, "default.previous": goodKey2}, models: 0},
			{desc: "a second rollback is refused, not a toggle", args: []string{"keys", "rotate", "{p}", "--rollback"}, code: ExitUsage,
				errOut:  []string{"already rolled back: …0001 is in use and …0002 is the previous key", "tier keys rotate " + w.p + "' and paste it"},
				keyring: map[string]string{"default": goodKey, "default.previous": goodKey2}, models: 0},
			{desc: "test: the key works", args: []string{"keys", "test", "{p}"}, code: ExitOK,
				out: [][]string{{"OK", "…0001 from keyring"}}, models: 1},
			{desc: "test: the key is refused", args: []string{"keys", "test", "{p}", "--name", "spare"}, code: ExitAuth, errOut: []string{"refused the key (401)"}, models: 1},
			{desc: "test: the provider cannot be reached", args: []string{"keys", "test", "{p}-down"}, setEnv: map[string]string{"DOWN_API_KEY": goodKey}, code: ExitNetwork,
				errOut: []string{"could not reach"}},
			{desc: "rm removes a named key", args: []string{"keys", "rm", "{p}", "--name", "spare"}, code: ExitOK,
				out: [][]string{{"Removed", `"spare"`, "…0009"}}, keyring: map[string]string{"spare": "", "default": goodKey}},
			{desc: "rm removes the key and the previous one", args: []string{"keys", "rm", "{p}"}, code: ExitOK,
				keyring: map[string]string{"default": "", "default.previous": ""}},
			{desc: "rm of nothing says so", args: []string{"keys", "rm", "{p}"}, code: ExitAuth, errOut: []string{"nothing to remove"}},
			{desc: "test with no key says how to add one", args: []string{"keys", "test", "{p}"}, code: ExitAuth,
				errOut: []string{"no key for " + w.p, "set " + w.envVar, "tier keys set " + w.p, "key_cmd"}},
			{desc: "rm --all removes every key", stdin: goodKey, args: []string{"keys", "set", "{p}", "--name", "a"}, code: ExitOK, models: 1},
			{args: []string{"keys", "rm", "{p}", "--all"}, setEnv: map[string]string{"DOWN_API_KEY": ""}, code: ExitOK, keyring: map[string]string{"a": ""}},
			{desc: "list is empty again", args: []string{"keys", "list", "--json"}, code: ExitOK, out: [][]string{{"[]"}}},
		})
	})
}

// What 'tier keys test' exits with for each answer of the provider.
func TestKeysTestExitCodes(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	f := newKeyFake(t, goodKey)
	down := newKeyFake(t)
	down.srv.Close()
	w.providers(f.url(), fmt.Sprintf("  down:\n    base_url: %q\n    key_env: DOWN_API_KEY\n", down.url()))
	cases := []struct {
		desc, provider, key string
		code                int
		msg                 string
	}{
		{"the key works", w.p, goodKey, ExitOK, ""},
		{"401: refused", w.p, badKey, ExitAuth, "refused the key (401)"},
		{"no answer: unreachable", "down", goodKey, ExitNetwork, "could not reach"},
		{"429: rate limited, not checked", w.p, limitedKey, ExitRateLimited, "answered 429"},
		{"404: cannot tell (base_url?)", w.p, nolistKey, ExitUsage, "does not list models (404)"},
		{"no key at all", w.p, "", ExitAuth, "no key for " + w.p},
	}
	for _, c := range cases {
		w.env[w.envVar], w.env["DOWN_API_KEY"] = c.key, c.key
		_, stderr, code := w.run("", "keys", "test", c.provider)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%s: exit %d, want %d; stderr %q, want %q in it", c.desc, code, c.code, stderr, c.msg)
		}
	}
}

// A stored key goes only to the host that verified it; 'tier keys test'
// verifies it for a new host.
func TestKeyPinnedToItsHost(t *testing.T) {
	t.Parallel()
	eachKeyring(t, func(t *testing.T, w *kworld) {
		a, b := newKeyFake(t, goodKey), newKeyFake(t, goodKey)
		hostA, hostB := strings.TrimPrefix(a.srv.URL, "http://"), strings.TrimPrefix(b.srv.URL, "http://")
		w.providers(a.url())
		chat := []string{"chat", "-p", "{p}", "--no-stream", "--no-stdin", "-q", "hi"}
		if _, stderr, code := w.run(goodKey, "keys", "set", "{p}"); code != 0 {
			t.Fatalf("set: exit %d: %s", code, stderr)
		}
		if out, stderr, code := w.run("", chat...); code != 0 || !strings.Contains(out, "hello there") || a.chats.Load() != 1 {
			t.Fatalf("chat with host A: exit %d, %d chats: %s %s", code, a.chats.Load(), out, stderr)
		}

		w.providers(b.url()) // the profile now points at another host
		_, stderr, code := w.run("", chat...)
		if code != ExitAuth || !strings.Contains(stderr, "verified for "+hostA) || !strings.Contains(stderr, "now points at "+hostB) ||
			!strings.Contains(stderr, "tier keys test "+w.p) {
			t.Errorf("chat with host B: exit %d, stderr %q; want exit 3 naming both hosts and 'tier keys test'", code, stderr)
		}
		if n := b.chats.Load() + b.models.Load(); n != 0 {
			t.Fatalf("the key was sent to the unverified host (%d requests)", n)
		}
		if _, stderr, code := w.run("", "models", "{p}", "--refresh"); code != ExitAuth || !strings.Contains(stderr, "verified for "+hostA) {
			t.Errorf("models with host B: exit %d, stderr %q", code, stderr)
		}

		out, stderr, code := w.run("", "keys", "test", "{p}")
		if code != 0 || !strings.Contains(out, "now verified for "+hostB+" (it was pinned to "+hostA+")") {
			t.Fatalf("keys test on host B: exit %d: %s %s", code, out, stderr)
		}
		if _, stderr, code := w.run("", chat...); code != 0 || b.chats.Load() != 1 {
			t.Errorf("chat with host B after test: exit %d: %s", code, stderr)
		}
		// An environment variable is the user's explicit choice: not pinned.
		w.providers(a.url())
		w.env[w.envVar] = goodKey
		if _, stderr, code := w.run("", chat...); code != 0 {
			t.Errorf("chat with the key from the environment: exit %d: %s", code, stderr)
		}
	})
}

// Where chat's key comes from: the environment variable, else the keyring,
// else key_cmd, else an error that names all three with their commands.
func TestKeySourceOrder(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	f := newKeyFake(t, goodKey, goodKey2, goodKey3)
	secretFile := filepath.Join(t.TempDir(), "secret") // outside config and state
	if err := os.WriteFile(secretFile, []byte(goodKey2+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	chat := []string{"chat", "-p", "{p}", "--no-stream", "--no-stdin", "-q", "hi"}
	cases := []struct {
		desc    string
		keyCmd  bool
		stored  string
		env     string
		code    int
		usedFP  string // what the provider saw
		listRow []string
	}{
		{desc: "nothing: an error naming every way", code: ExitAuth},
		{desc: "key_cmd only", keyCmd: true, code: 0, usedFP: "…0002", listRow: []string{"default", "cmd", "default"}},
		{desc: "the keyring wins over key_cmd", keyCmd: true, stored: goodKey, code: 0, usedFP: "…0001", listRow: []string{"default", "keyring", "…0001", "default"}},
		{desc: "the environment wins over both", keyCmd: true, stored: goodKey, env: goodKey3, code: 0, usedFP: "…0003", listRow: []string{"env:" + w.envVar, "…0003", "default"}},
	}
	for _, c := range cases {
		extra := ""
		if c.keyCmd {
			extra = fmt.Sprintf("    key_cmd: cat %s\n", secretFile)
		}
		w.providers(f.url(), extra)
		if c.stored != "" {
			if _, stderr, code := w.run(c.stored, "keys", "set", "{p}"); code != 0 {
				t.Fatalf("%s: set: %s", c.desc, stderr)
			}
		} else {
			w.run("", "keys", "rm", "{p}", "--all")
		}
		w.env[w.envVar] = c.env
		_, stderr, code := w.run("", chat...)
		if code != c.code {
			t.Errorf("%s: chat exit %d, want %d: %s", c.desc, code, c.code, stderr)
			continue
		}
		if c.code != 0 {
			for _, want := range []string{"no key for " + w.p, "set " + w.envVar, "run 'tier keys set " + w.p + "'", "add key_cmd", "https://fake.test/keys"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("%s: stderr %q lacks %q", c.desc, stderr, want)
				}
			}
			continue
		}
		if got := f.last(); got != c.usedFP {
			t.Errorf("%s: the provider got %s, want %s", c.desc, got, c.usedFP)
		}
		if out, _, _ := w.run("", "keys", "list"); !hasLine(out, c.listRow...) {
			t.Errorf("%s: list has no line with %q:\n%s", c.desc, c.listRow, out)
		}
	}
}

// A key older than its rotation period gets one line on stderr from chat,
// at most once a day; list marks it.
func TestRotationReminder(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	f := newKeyFake(t, goodKey)
	w.providers(f.url())
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	w.now = t0
	if _, stderr, code := w.run(goodKey, "keys", "set", "{p}", "--rotate-after", "30d"); code != 0 {
		t.Fatal(stderr)
	}
	chat := []string{"chat", "-p", "{p}", "--no-stream", "--no-stdin", "-q", "hi"}
	const reminder = "past its rotation period of 30d: run 'tier keys rotate "
	steps := []struct {
		at     time.Time
		env    string
		remind bool
	}{
		{t0.AddDate(0, 0, 29), "", false},                // not due yet
		{t0.AddDate(0, 0, 31), "", true},                 // due
		{t0.AddDate(0, 0, 31).Add(time.Hour), "", false}, // reminded an hour ago
		{t0.AddDate(0, 0, 32).Add(time.Hour), "", true},  // a day later
		{t0.AddDate(0, 0, 40), goodKey, false},           // the key from the environment is not the stored one
	}
	for i, s := range steps {
		w.now, w.env[w.envVar] = s.at, s.env
		_, stderr, code := w.run("", chat...)
		if code != 0 {
			t.Fatalf("step %d: chat exit %d: %s", i, code, stderr)
		}
		if got := strings.Contains(stderr, reminder); got != s.remind {
			t.Errorf("step %d (day %d): reminder %v, want %v; stderr %q", i, int(s.at.Sub(t0).Hours()/24), got, s.remind, stderr)
		}
		if s.remind && strings.Count(stderr, "\n") != 1 {
			t.Errorf("step %d: the reminder is not one line: %q", i, stderr)
		}
	}
	w.env[w.envVar] = ""
	if out, _, _ := w.run("", "keys", "list"); !hasLine(out, "keyring", "…0001", "40d", "rotate due") {
		t.Errorf("list does not mark the key as due:\n%s", out)
	}
	// never: no reminder, whatever the age.
	w.now = t0
	w.run(goodKey, "keys", "set", "{p}", "--rotate-after", "never")
	w.now = t0.AddDate(5, 0, 0)
	if _, stderr, _ := w.run("", chat...); strings.Contains(stderr, "rotation") {
		t.Errorf("--rotate-after never still reminds: %q", stderr)
	}
}

// A key listed in the second it was stored is 0 days old, not of unknown age.
func TestKeysListAgeOfANewKey(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	f := newKeyFake(t, goodKey)
	w.providers(f.url())
	w.now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // the same instant for set and list
	if _, stderr, code := w.run(goodKey, "keys", "set", "{p}"); code != 0 {
		t.Fatal(stderr)
	}
	if out, _, _ := w.run("", "keys", "list"); !hasLine(out, "keyring", "…0001", "\t0d\t") {
		t.Errorf("list does not say the new key is 0d old:\n%s", out)
	}
	if out, _, _ := w.run("", "keys", "list", "--json"); !strings.Contains(out, `"age_days":0`) {
		t.Errorf("list --json has no age_days 0: %s", out)
	}
}

// With no keyring to store into, 'keys set' says so before it reads the key
// or asks the provider anything.
func TestKeysSetWithoutAKeyringFailsFirst(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	w.noBus()
	f := newKeyFake(t, goodKey)
	w.providers(f.url())
	// exit 2: a configuration problem (see 'tier help exit-codes'), not
	// an authentication failure.
	for _, args := range [][]string{{"keys", "set", "{p}"}, {"keys", "rotate", "{p}"}, {"keys", "rotate", "{p}", "--rollback"}} {
		_, stderr, code := w.run(goodKey, args...)
		if code != ExitUsage || !strings.Contains(stderr, "no D-Bus session bus") {
			t.Errorf("tier %s: exit %d, stderr %q; want exit 2", strings.Join(args, " "), code, stderr)
		}
	}
	_, stderr, _ := w.run(goodKey, "keys", "set", "{p}")
	if !strings.Contains(stderr, "--insecure-storage") {
		t.Errorf("set: stderr %q does not say what to do instead", stderr)
	}
	if n := f.models.Load(); n != 0 {
		t.Errorf("the provider was asked %d time(s) before tier found it could not store the key", n)
	}
}

// Setting a key over another keeps the old one as the previous key, says
// so, and a rollback restores it.
func TestKeysSetOverAnotherKeySaysSo(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	f := newKeyFake(t, goodKey, goodKey2)
	w.providers(f.url())
	if _, stderr, code := w.run(goodKey, "keys", "set", "{p}"); code != 0 || strings.Contains(stderr, "replaced") {
		t.Fatalf("first set: exit %d, stderr %q", code, stderr)
	}
	_, stderr, code := w.run(goodKey2, "keys", "set", "{p}")
	if code != 0 || !strings.Contains(stderr, "replaced the key …0001, kept as the previous key ('tier keys rotate "+w.p+" --rollback' restores it)") {
		t.Errorf("second set: exit %d, stderr %q", code, stderr)
	}
	if w.stored("default") != goodKey2 || w.stored("default.previous") != goodKey {
		t.Errorf("after the second set the keyring holds %s and previous %s", keys.Fingerprint(w.stored("default")), keys.Fingerprint(w.stored("default.previous")))
	}
	if out, stderr, code := w.run("", "keys", "rotate", "{p}", "--rollback"); code != 0 || !strings.Contains(out, "…0001 again") || w.stored("default") != goodKey {
		t.Errorf("rollback after set: exit %d: %s %s", code, out, stderr)
	}
	w.run(goodKey2, "keys", "set", "{p}")
	if _, stderr, _ := w.run(goodKey2, "keys", "set", "{p}"); strings.Contains(stderr, "replaced") {
		t.Errorf("setting the same key again is not a replacement: %q", stderr)
	}
}

// An empty --name is the default key, and messages say so.
func TestKeysEmptyNameIsTheDefault(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	f := newKeyFake(t, goodKey)
	w.providers(f.url())
	out, stderr, code := w.run(goodKey, "keys", "set", "{p}", "--name", "")
	if code != 0 || !strings.Contains(out, "Stored the key for "+w.p+" (…0001)") {
		t.Fatalf("set --name '': exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	w.env[w.envVar] = goodKey
	if _, stderr, _ := w.run("", "keys", "rm", "{p}", "--name", ""); !strings.Contains(stderr, w.envVar+" still supplies a key") {
		t.Errorf("rm --name '' does not say the environment still supplies the default key: %q", stderr)
	}
}

// doctor with a working keyring, with none reachable (no session bus),
// with the keyring turned off; and what set and chat say without a bus.
func TestKeysDoctor(t *testing.T) {
	t.Parallel()
	t.Run("keyring reachable", func(t *testing.T) {
		eachKeyring(t, func(t *testing.T, w *kworld) {
			f := newKeyFake(t, goodKey, goodKey2)
			w.providers(f.url())
			w.run(goodKey, "keys", "set", "{p}")
			w.env[w.envVar] = goodKey2
			out, stderr, code := w.run("", "keys", "doctor")
			if code != 0 {
				t.Fatalf("exit %d: %s %s", code, out, stderr)
			}
			want := [][]string{{"status:", "reachable and unlocked"}, {"warning:", w.envVar + " overrides the stored key", "…0001"},
				{"fix:", "unset " + w.envVar}, {"keys in use:"}, {w.p + ":", "env:" + w.envVar, "…0002"}}
			if w.real {
				want = append(want, []string{"keyring:", "Secret Service over D-Bus"}, []string{"session bus:", "unix:"})
			}
			for _, parts := range want {
				if !hasLine(out, parts...) {
					t.Errorf("no line with %q:\n%s", parts, out)
				}
			}
			out, _, code = w.run("", "keys", "doctor", "--json")
			var rep struct {
				KeyringOK bool `json:"keyring_ok"`
				Problems  []struct{ Severity, What, Fix string }
				InUse     []struct{ Provider, Source, Fingerprint string } `json:"in_use"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 {
				t.Fatalf("--json: exit %d, %v: %s", code, err, out)
			}
			if !rep.KeyringOK || len(rep.InUse) != 1 || rep.InUse[0].Source != "env:"+w.envVar || rep.InUse[0].Fingerprint != "…0002" {
				t.Errorf("--json: %+v", rep)
			}
		})
	})
	t.Run("no session bus", func(t *testing.T) {
		w := newKWorld(t, false)
		w.noBus()
		f := newKeyFake(t, goodKey)
		w.providers(f.url())
		out, _, code := w.run("", "keys", "doctor")
		if code != ExitAuth || !hasLine(out, "session bus:", "none") || !hasLine(out, "error:", "no D-Bus session bus") ||
			!hasLine(out, "fix:", "environment variable", "--insecure-storage") {
			t.Errorf("doctor: exit %d:\n%s", code, out)
		}
		out, _, _ = w.run("", "keys", "doctor", "--json")
		if !strings.Contains(out, `"keyring_ok":false`) || !strings.Contains(out, `"keyring":"unavailable: no D-Bus session bus"`) {
			t.Errorf("doctor --json: %s", out)
		}
		_, stderr, code := w.run(goodKey, "keys", "set", "{p}")
		if code != ExitUsage || !strings.Contains(stderr, "no D-Bus session bus") || !strings.Contains(stderr, "--insecure-storage") {
			t.Errorf("set: exit %d: %s", code, stderr)
		}
		_, stderr, code = w.run("", "chat", "-p", "{p}", "--no-stdin", "hi")
		if code != ExitAuth || !strings.Contains(stderr, "set "+w.envVar) || !strings.Contains(stderr, "no D-Bus session bus") {
			t.Errorf("chat: exit %d: %s", code, stderr)
		}
		if f.chats.Load() != 0 {
			t.Error("chat sent a request without a key")
		}
	})
	t.Run("TIER_NO_KEYRING", func(t *testing.T) {
		w := newKWorld(t, false)
		w.noBus()
		w.env["TIER_NO_KEYRING"] = "1"
		w.providers(newKeyFake(t).url())
		out, _, code := w.run("", "keys", "doctor")
		if code != 0 || !hasLine(out, "status:", "disabled by TIER_NO_KEYRING") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
}

// --insecure-storage: only when asked, with a warning, in a 0600 file that
// list marks; it works where no keyring does.
func TestInsecureStorage(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	w.noBus()
	f := newKeyFake(t, goodKey)
	w.providers(f.url())
	_, stderr, code := w.run(goodKey, "keys", "set", "{p}", "--insecure-storage")
	if code != 0 || !strings.Contains(stderr, "warning: the key is stored in plaintext in "+filepath.Join(w.cfg, "keys.insecure.json")) {
		t.Fatalf("set: exit %d: %s", code, stderr)
	}
	fi, err := os.Stat(filepath.Join(w.cfg, "keys.insecure.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the plaintext file: %v, %v", fi, err)
	}
	if out, _, _ := w.run("", "keys", "list"); !hasLine(out, w.p, "file (plaintext)", "…0001", "default") {
		t.Errorf("list does not mark the key:\n%s", out)
	}
	if out, _, _ := w.run("", "keys", "list", "--json"); !strings.Contains(out, `"source":"file","fingerprint":"…0001","plaintext":true`) {
		t.Errorf("list --json: %s", out)
	}
	if _, stderr, code := w.run("", "chat", "-p", "{p}", "--no-stream", "--no-stdin", "-q", "hi"); code != 0 || f.last() != "…0001" {
		t.Errorf("chat with the file's key: exit %d: %s", code, stderr)
	}
	if _, _, code := w.run("", "keys", "rm", "{p}"); code != 0 {
		t.Error("rm of the file's key failed")
	}
	if b, _ := os.ReadFile(filepath.Join(w.cfg, "keys.insecure.json")); bytes.Contains(b, []byte(goodKey)) {
		t.Error("rm left the key in the plaintext file")
	}
}

// A credit grant recorded with the key shows in 'tier keys list' and as
// the key's credit in 'tier quota'; it is the stored key's, not that of a
// key an environment variable overrides it with.
func TestCreditGrant(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	f := newKeyFake(t, goodKey, goodKey2)
	w.providers(f.url())
	_, stderr, code := w.run(goodKey, "keys", "set", "{p}", "--credit", "$5", "--granted", "2026-11-01", "--valid-days", "30")
	if code != 0 {
		t.Fatal(stderr)
	}
	out, _, _ := w.run("", "keys", "list", "--json")
	var rows []struct {
		Grant *keys.Grant `json:"grant"`
	}
	json.Unmarshal([]byte(out), &rows)
	granted := time.Date(2026, 11, 1, 0, 0, 0, 0, time.Local)
	if len(rows) != 1 || rows[0].Grant == nil || rows[0].Grant.Amount != 5 || rows[0].Grant.Unit != "USD" ||
		!rows[0].Grant.Granted.Equal(granted) || !rows[0].Grant.Expires.Equal(granted.AddDate(0, 0, 30)) {
		t.Fatalf("list --json: %s", out)
	}
	if _, stderr, code := w.run("", "chat", "-p", "{p}", "--no-stream", "--no-stdin", "-q", "hi"); code != 0 {
		t.Fatal(stderr)
	}
	credit := func() map[string]any {
		out, stderr, code := w.run("", "quota", "{p}", "--json")
		var snaps []map[string]any
		if err := json.Unmarshal([]byte(out), &snaps); err != nil || code != 0 || len(snaps) == 0 {
			t.Fatalf("quota --json: exit %d, %v: %s %s", code, err, out, stderr)
		}
		c, _ := snaps[0]["credit"].(map[string]any)
		return c
	}
	if c := credit(); c == nil || c["granted"] != 5.0 || c["unit"] != "USD" || c["source"] != "grant" || c["expires_at"] == nil {
		t.Errorf("quota credit: %v", c)
	}
	w.env[w.envVar] = goodKey2
	if c := credit(); c != nil {
		t.Errorf("quota shows the stored key's grant for the key from %s: %v", w.envVar, c)
	}
}

// Flags checked before any key is read.
func TestKeysUsageErrors(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	f := newKeyFake(t, goodKey)
	w.providers(f.url())
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"keys", "set", "demo"}, "demo needs no key"},
		{[]string{"keys", "rotate", "demo"}, "demo needs no key"},
		{[]string{"keys", "test", "demo"}, "demo needs no key"},
		{[]string{"keys", "rm", "demo"}, "demo needs no key"},
		{[]string{"keys", "set", "nosuch"}, `unknown provider "nosuch"`},
		{[]string{"keys", "set"}, "give one provider"},
		{[]string{"keys", "set", "{p}", "--expires", "2026-12-01"}, "--expires needs --credit"},
		{[]string{"keys", "set", "{p}", "--credit", "five"}, "write an amount and a unit"},
		{[]string{"keys", "set", "{p}", "--credit", "5", "--expires", "2026-12-01", "--valid-days", "3"}, "not both"},
		{[]string{"keys", "set", "{p}", "--credit", "5", "--granted", "2026-12-01", "--expires", "2026-11-01"}, "before it was granted"},
		{[]string{"keys", "set", "{p}", "--credit", "5", "--expires", "1/12/2026"}, "is not a date"},
		{[]string{"keys", "set", "{p}", "--rotate-after", "soon"}, "is not a duration"},
		{[]string{"keys", "set", "{p}", "--key", "x"}, "unknown flag: --key"},
		{[]string{"keys", "set", "{p}", "--name", "no spaces"}, "is not a key name"},
		{[]string{"keys", "rm", "{p}", "--all", "--name", "x"}, "not both"},
		{[]string{"keys", "rotate", "{p}", "--rollback", "--no-verify"}, "no meaning"},
		{[]string{"keys", "bogus"}, `unknown command "bogus"`},
	}
	for _, c := range cases {
		_, stderr, code := w.run(goodKey, c.args...)
		if code != ExitUsage || !strings.Contains(stderr, c.msg) {
			t.Errorf("tier %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), code, stderr, c.msg)
		}
	}
	if f.models.Load() != 0 || w.stored("default") != "" {
		t.Error("a usage error still verified or stored a key")
	}
	_, stderr, code := w.run("", "keys", "set", "{p}")
	if code != ExitUsage || !strings.Contains(stderr, "no key on stdin") {
		t.Errorf("set with empty stdin: exit %d: %s", code, stderr)
	}
	_, stderr, code = w.run(goodKey+"\n"+goodKey, "keys", "set", "{p}")
	if code != ExitUsage || !strings.Contains(stderr, "more than one line") {
		t.Errorf("set with two lines on stdin: exit %d: %s", code, stderr)
	}
}

// Nothing tier writes or prints holds any piece of a key longer than its
// fingerprint: not the state or config directory, stdout or stderr, after
// every command (the plaintext file, only written when asked for, is not
// used here).
func TestNoKeyMaterialAnywhere(t *testing.T) {
	t.Parallel()
	// Distinct characters, so that a 5-character window can only match
	// the key itself.
	k1, k2, bad := "TESTKEYabcdefghijklmn", "TESTKEYopqrstuvwxyzAB", "TESTKEYCDEFGHIJKLMNOP"
	envKey := "TESTKEYQRSUVWXYZ01234"
	eachKeyring(t, func(t *testing.T, w *kworld) {
		f := newKeyFake(t, k1, k2, envKey)
		w.providers(f.url())
		runs := []struct {
			stdin string
			args  []string
			code  int
		}{
			{bad, []string{"keys", "set", "{p}"}, ExitAuth},
			{k1, []string{"keys", "set", "{p}", "--credit", "5USD", "--expires", "2027-01-01", "--rotate-after", "30d"}, 0},
			{k2, []string{"keys", "set", "{p}", "--name", "work", "--no-verify"}, 0},
			{"", []string{"keys", "list"}, 0},
			{"", []string{"keys", "list", "--json", "--all"}, 0},
			{"", []string{"keys", "test", "{p}"}, 0},
			{"", []string{"keys", "test", "{p}", "--name", "work"}, 0},
			{bad, []string{"keys", "rotate", "{p}"}, ExitAuth},
			{k2, []string{"keys", "rotate", "{p}"}, 0},
			{"", []string{"keys", "rotate", "{p}", "--rollback"}, 0},
			{"", []string{"keys", "doctor"}, 0},
			{"", []string{"keys", "doctor", "--json"}, 0},
			{"", []string{"chat", "-p", "{p}", "--no-stream", "--no-stdin", "hi"}, 0},
			{"", []string{"chat", "-p", "{p}", "--key", "work", "--json", "--no-stream", "--no-stdin", "hi"}, 0},
			{"", []string{"quota", "--json"}, 0},
			{"", []string{"models", "{p}", "--json", "--refresh"}, 0},
			{"", []string{"keys", "rm", "{p}", "--name", "work"}, 0},
		}
		for _, r := range runs {
			if _, stderr, code := w.run(r.stdin, r.args...); code != r.code {
				t.Fatalf("tier %s: exit %d, want %d: %s", strings.Join(r.args, " "), code, r.code, stderr)
			}
		}
		w.env[w.envVar] = envKey
		for _, args := range [][]string{{"keys", "list"}, {"keys", "doctor", "--json"}, {"chat", "-p", "{p}", "--no-stream", "--no-stdin", "--json", "hi"}, {"keys", "test", "{p}"}} {
			if _, stderr, code := w.run("", args...); code != 0 {
				t.Fatalf("tier %s with %s set: exit %d: %s", strings.Join(args, " "), w.envVar, code, stderr)
			}
		}

		if f.chats.Load() < 3 {
			t.Fatalf("only %d chats went through: the flow is broken, so this test proves nothing", f.chats.Load())
		}
		if w.stored("default") != k1 {
			t.Fatalf("the keyring does not hold the key the flow stored")
		}
		for _, secret := range []string{k1, k2, bad, envKey} {
			for i := 0; i+5 <= len(secret); i++ {
				piece := secret[i : i+5]
				for j, o := range w.outputs {
					if strings.Contains(o, piece) {
						t.Errorf("output %d holds %q, a piece of a key", j, piece)
					}
				}
				for _, dir := range []string{w.cfg, w.state} {
					filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
						if err != nil || d.IsDir() {
							return err
						}
						if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(piece)) {
							t.Errorf("%s holds %q, a piece of a key", path, piece)
						}
						return nil
					})
				}
			}
		}
	})
}

// --all adds the providers that have no key yet, with where to get one.
func TestKeysListAll(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	w.providers(newKeyFake(t).url())
	if out, stderr, code := w.run("", "keys", "list"); code != 0 || out != "" || !strings.Contains(stderr, "no keys yet") {
		t.Errorf("list with no key: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	out, _, code := w.run("", "keys", "list", "--all")
	if code != 0 || !hasLine(out, w.p, "none", "get one at https://fake.test/keys, then set "+w.envVar+" or run 'tier keys set "+w.p+"'") {
		t.Errorf("list --all: exit %d:\n%s", code, out)
	}
	if hasLine(out, "demo") {
		t.Errorf("list --all shows the demo, which needs no key:\n%s", out)
	}
	out, _, _ = w.run("", "keys", "list", "--all", "--json")
	var rows []keys.JSONRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		if r.Source != "none" {
			t.Errorf("a provider with no key has source %q", r.Source)
		}
		found = found || (r.Provider == w.p && r.KeyURL == "https://fake.test/keys")
	}
	if !found {
		t.Errorf("--json has no row for %s with its key_url: %s", w.p, out)
	}
}

// hungKeyring never answers in time, and counts how often it was asked.
type hungKeyring struct {
	*keys.MemoryBackend
	gets atomic.Int64
}

func (k *hungKeyring) Get(service, user string) (string, error) {
	k.gets.Add(1)
	return "", fmt.Errorf("%w (3s)", keys.ErrTimeout)
}

// A keyring that does not answer costs one timeout per run, not one per
// provider, and the error says why no key was found.
func TestKeyringThatDoesNotAnswer(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	hung := &hungKeyring{MemoryBackend: keys.NewMemoryBackend()}
	w.keyring = hung
	w.providers(newKeyFake(t).url())
	_, stderr, code := w.run("", "models", "--all")
	if code != 0 || !strings.Contains(stderr, "skipped") || !strings.Contains(stderr, w.p) {
		t.Errorf("models --all: exit %d: %s", code, stderr)
	}
	if n := hung.gets.Load(); n != 1 {
		t.Errorf("the keyring was asked %d times in one run, want 1", n)
	}
	_, stderr, code = w.run("", "chat", "-p", "{p}", "--no-stdin", "hi")
	if code != ExitAuth || !strings.Contains(stderr, "set "+w.envVar) || !strings.Contains(stderr, "keyring did not answer in time") ||
		!strings.Contains(stderr, "tier keys doctor") {
		t.Errorf("chat: exit %d: %s", code, stderr)
	}
}

// The host pin travels with the secret in the keyring: losing tier's record
// of a key (keys.json deleted or emptied) cannot unpin it, and a keyring
// entry tier never recorded (synced from another machine, stored with
// secret-tool) is not sent anywhere until 'tier keys test' verifies it. list
// and doctor show such keys.
func TestKeyPinSurvivesLostState(t *testing.T) {
	t.Parallel()
	eachKeyring(t, func(t *testing.T, w *kworld) {
		a, b := newKeyFake(t, goodKey, goodKey2), newKeyFake(t, goodKey, goodKey2)
		hostA, hostB := strings.TrimPrefix(a.srv.URL, "http://"), strings.TrimPrefix(b.srv.URL, "http://")
		chat := []string{"chat", "-p", "{p}", "--no-stream", "--no-stdin", "-q", "hi"}
		record := filepath.Join(w.state, "keys.json")
		loseState := func(how string) {
			t.Helper()
			var err error
			if how == "empty" {
				err = os.WriteFile(record, nil, 0o600)
			} else {
				err = os.Remove(record)
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
		}
		sent := func() int64 { return b.chats.Load() + b.models.Load() }

		w.providers(a.url())
		if _, stderr, code := w.run(goodKey, "keys", "set", "{p}"); code != 0 {
			t.Fatalf("set: exit %d: %s", code, stderr)
		}
		steps := []struct {
			desc    string
			setup   func()
			args    []string
			code    int
			out     [][]string
			errOut  []string
			sentToB int64 // requests host B got in this step
		}{
			{desc: "record deleted, profile at another host: refused",
				setup: func() { loseState("delete"); w.providers(b.url()) }, args: chat, code: ExitAuth,
				errOut: []string{"pinned to " + hostA, "now points at " + hostB, "only if you trust " + hostB, "tier keys test " + w.p}},
			{desc: "record emptied: still refused",
				setup: func() { loseState("empty") }, args: chat, code: ExitAuth, errOut: []string{"pinned to " + hostA}},
			{desc: "list shows the key tier has no record of",
				args: []string{"keys", "list"}, code: 0, out: [][]string{{w.p, "default", "keyring", "…0001"}}},
			{desc: "doctor finds the pin broken",
				args: []string{"keys", "doctor"}, code: ExitAuth, out: [][]string{{"error:", "…0001", "pinned to " + hostA, hostB}}},
			{desc: "back at host A it works, record or not",
				setup: func() { w.providers(a.url()) }, args: chat, code: 0},
			{desc: "an entry tier never recorded (secret-tool, another machine) is never sent",
				setup: func() {
					loseState("delete")
					w.providers(b.url())
					if err := w.kr.Set(keys.Service(w.p), "default", goodKey2); err != nil {
						t.Fatal(err)
					}
				}, args: chat, code: ExitAuth,
				errOut: []string{"…0002", "not verified for any host", "only if you trust " + hostB, "tier keys test " + w.p}},
			{desc: "list says it is not verified for any host",
				args: []string{"keys", "list"}, code: 0, out: [][]string{{w.p, "default", "keyring", "…0002", "not verified for any host"}}},
			{desc: "doctor says so",
				args: []string{"keys", "doctor"}, code: ExitAuth, out: [][]string{{"error:", "…0002", "in the keyring, not verified for any host"}, {"fix:", "tier keys test " + w.p},
					{w.p + ":", "keyring …0002", "not sent"}}},
			{desc: "keys test verifies it for host B and pins it",
				args: []string{"keys", "test", "{p}"}, code: 0, out: [][]string{{"OK", "…0002"}}, sentToB: 1},
			{desc: "now it goes to host B",
				args: chat, code: 0, sentToB: 1},
			{desc: "and stays pinned to host B with the record lost again",
				setup: func() { loseState("delete") }, args: chat, code: 0, sentToB: 1},
			{desc: "but not to host A",
				setup: func() { w.providers(a.url()) }, args: chat, code: ExitAuth, errOut: []string{"pinned to " + hostB}},
		}
		for _, s := range steps {
			if s.setup != nil {
				s.setup()
			}
			before := sent()
			stdout, stderr, code := w.run("", s.args...)
			if code != s.code {
				t.Fatalf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", s.desc, code, s.code, stdout, stderr)
			}
			for _, parts := range s.out {
				if !hasLine(stdout, parts...) {
					t.Errorf("%s: no line of stdout holds %q:\n%s", s.desc, parts, stdout)
				}
			}
			for _, e := range s.errOut {
				if !strings.Contains(stderr, e) {
					t.Errorf("%s: stderr lacks %q:\n%s", s.desc, e, stderr)
				}
			}
			if got := sent() - before; got != s.sentToB {
				t.Errorf("%s: host B got %d requests, want %d", s.desc, got, s.sentToB)
			}
		}
	})
}

// The hidden key prompt, in a pseudo-terminal: Ctrl-C, Ctrl-D on an empty
// line and Esc cancel it with exit 130, storing and sending nothing; the
// line typed after that is not taken as the key.
func TestKeyPromptCancels(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	f := newKeyFake(t, goodKey, goodKey2)
	w.providers(f.url())
	prompt := func(typed string, args ...string) (string, int) {
		t.Helper()
		master, tty := ptytest.Open(t)
		var out, errb bytes.Buffer
		env := w.factory(tty, &out, &errb)
		done := make(chan int, 1)
		go func() { done <- Run(context.Background(), env, args) }()
		time.Sleep(100 * time.Millisecond)
		master.Write([]byte(typed))
		select {
		case code := <-done:
			return errb.String(), code
		case <-time.After(5 * time.Second):
			master.Write([]byte("\r"))
			<-done
			t.Fatalf("tier %s: typing %q did not end the prompt", strings.Join(args, " "), typed)
		}
		return "", 0
	}
	for _, c := range []struct{ key, how string }{{"\x03", "Ctrl-C"}, {"\x04", "Ctrl-D"}, {"\x1b", "Esc"}} {
		for _, cmd := range [][]string{{"keys", "set", w.p}, {"keys", "rotate", w.p}} {
			stderr, code := prompt(c.key+goodKey+"\r", cmd...)
			if code != ExitInterrupted || !strings.Contains(stderr, "key prompt cancelled ("+c.how+")") {
				t.Errorf("tier %s, %s: exit %d, stderr %q; want 130 and a cancellation", strings.Join(cmd, " "), c.how, code, stderr)
			}
			if w.stored("default") != "" || f.models.Load() != 0 {
				t.Fatalf("tier %s, %s: a key was stored or sent", strings.Join(cmd, " "), c.how)
			}
		}
	}
	if stderr, code := prompt(goodKey+"\r", "keys", "set", w.p); code != 0 || w.stored("default") != goodKey {
		t.Fatalf("set at the prompt: exit %d: %s", code, stderr)
	}
	stderr, code := prompt("\x03"+goodKey2+"\r", "keys", "rotate", w.p)
	if code != ExitInterrupted || w.stored("default") != goodKey || w.stored("default.previous") != "" {
		t.Errorf("rotate cancelled: exit %d, %s; the keys changed: %s %s", code, stderr, keys.Fingerprint(w.stored("default")), keys.Fingerprint(w.stored("default.previous")))
	}
}

// A key whose provider cannot be reached is stored unverified, and tier
// says so on both streams, with what to run; the README says the same.
func TestKeysSetUnreachableSaysUnverified(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	down := newKeyFake(t)
	down.srv.Close()
	w.providers(down.url())
	host := strings.TrimPrefix(down.srv.URL, "http://")
	out, stderr, code := w.run(goodKey, "keys", "set", "{p}")
	if code != 0 || !hasLine(out, "Stored the key for "+w.p, "…0001", "in the keyring, unverified") || strings.Contains(out, "Verified") {
		t.Errorf("stdout: exit %d, %q", code, out)
	}
	if !hasLine(stderr, "stored unverified: host unreachable", "could not reach "+host, "pinned to "+host, "run 'tier keys test "+w.p+"'") {
		t.Errorf("stderr: %q", stderr)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(readme), "verified before they are stored") || !strings.Contains(string(readme), "stored unverified") {
		t.Errorf("README.md does not say that a key that cannot be checked is stored unverified")
	}
}

// keys set and rotate complete only providers that take a key: not the
// demo, nor a no_key profile.
func TestKeysCompletionLeavesOutKeylessProviders(t *testing.T) {
	t.Parallel()
	w := newKWorld(t, false)
	w.providers(newKeyFake(t).url(), "  local:\n    base_url: http://127.0.0.1:8080/v1\n    no_key: true\n    default_model: m\n")
	for _, verb := range []string{"set", "rotate"} {
		out, _, code := w.run("", "__complete", "keys", verb, "")
		names := map[string]bool{}
		for _, line := range strings.Split(out, "\n") {
			if name, _, _ := strings.Cut(line, "\t"); name != "" && !strings.HasPrefix(name, ":") {
				names[name] = true
			}
		}
		if code != 0 || !names[w.p] || !names["groq"] || names["demo"] || names["local"] {
			t.Errorf("keys %s <TAB>: exit %d, %v; want %s and groq, not demo or local", verb, code, names, w.p)
		}
	}
}
