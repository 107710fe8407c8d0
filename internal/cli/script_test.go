package cli_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tier-cli/tier/internal/cli"
	"github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/ui"
)

// TestScripts runs the scenarios in testdata/script, one per command,
// each a readable account of what the command does. tier runs in process
// (cli.Run) with a factory of the script's own: the script's environment
// only, config/ and state/ under $WORK (TIER_CONFIG_DIR, TIER_STATE_DIR),
// an in-memory keyring, and a clock that stands at 2026-11-21 10:00:00 UTC
// until the script moves it; a wait between retries moves it at once. No
// network but the fake providers a script starts on loopback.
//
// Besides testscript's own commands, a script has:
//
//	tier ARGS...              runs tier (with !, expects it to fail)
//	exit N                    checks the exit code of the last tier run
//	repeat N tier ARGS...     runs tier N times, each expected to succeed
//	pipe FILE                 the next tier run reads FILE on stdin
//	clock TIME|+DURATION      sets the clock (RFC 3339) or moves it on
//	fakeprovider NAME DIALECT KEY...
//	                          starts a fake provider speaking DIALECT that
//	                          accepts only the KEYs, and sets $NAME_HOST to its
//	                          host:port (for base_url: http://{NAME_HOST}/v1)
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("TIER_CONFIG_DIR", filepath.Join(env.WorkDir, "config"))
			env.Setenv("TIER_STATE_DIR", filepath.Join(env.WorkDir, "state"))
			env.Setenv("TIER_STDIN_TIMEOUT", "1s")
			env.Setenv("NO_COLOR", "1")
			w := &scriptWorld{keyring: keys.NewMemoryBackend(), now: scriptT0}
			env.Values[worldKey{}] = w
			env.Defer(w.close)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"tier":         cmdTier,
			"exit":         cmdExit,
			"repeat":       cmdRepeat,
			"pipe":         cmdPipe,
			"clock":        cmdClock,
			"fakeprovider": cmdFakeProvider,
		},
	})
}

// scriptT0 is where every script's clock starts.
var scriptT0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

type worldKey struct{}

// scriptWorld is what one script's runs of tier share: the keyring, the
// clock, the fake providers, and what the last run left.
type scriptWorld struct {
	keyring keys.Backend
	mu      sync.Mutex
	now     time.Time
	stdin   string // for the next run (pipe)
	code    int    // of the last run
	ran     bool
	servers []*httptest.Server
}

func scriptOf(ts *testscript.TestScript) *scriptWorld { return ts.Value(worldKey{}).(*scriptWorld) }

func (w *scriptWorld) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *scriptWorld) close() {
	for _, s := range w.servers {
		s.Close()
	}
}

// run runs tier once with the script's factory.
func (w *scriptWorld) run(ts *testscript.TestScript, args []string) int {
	stdout, stderr := ts.Stdout(), ts.Stderr()
	env := &cli.Env{
		Stdin:   strings.NewReader(w.stdin),
		Stdout:  stdout,
		Stderr:  stderr,
		Getenv:  ts.Getenv,
		Now:     w.clock,
		Keyring: w.keyring,
		// A wait between retries says what the countdown would, and
		// moves the clock instead of sleeping.
		Wait: func(ctx context.Context, d time.Duration, why string) error {
			fmt.Fprintf(stderr, "%s: retrying in %s\n", why, ui.FormatCountdown(d))
			w.mu.Lock()
			w.now = w.now.Add(d)
			w.mu.Unlock()
			return nil
		},
	}
	w.stdin = ""
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := cli.Run(ctx, env, args)
	w.code, w.ran = code, true
	return code
}

func cmdTier(ts *testscript.TestScript, neg bool, args []string) {
	if code := scriptOf(ts).run(ts, args); (code != 0) != neg {
		ts.Fatalf("tier exited with %d", code)
	}
}

func cmdExit(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: exit N")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("usage: exit N")
	}
	w := scriptOf(ts)
	if !w.ran {
		ts.Fatalf("exit: tier has not run yet")
	}
	if w.code != want {
		ts.Fatalf("tier exited with %d, want %d", w.code, want)
	}
}

func cmdRepeat(ts *testscript.TestScript, neg bool, args []string) {
	n, err := strconv.Atoi(strings.TrimSpace(strings.Join(args[:min(1, len(args))], "")))
	if neg || err != nil || n < 1 || len(args) < 2 || args[1] != "tier" {
		ts.Fatalf("usage: repeat N tier ARGS...")
	}
	w := scriptOf(ts)
	for i := 1; i <= n; i++ {
		if code := w.run(ts, args[2:]); code != 0 {
			ts.Fatalf("run %d of %d: tier exited with %d", i, n, code)
		}
	}
}

func cmdPipe(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: pipe FILE")
	}
	scriptOf(ts).stdin = ts.ReadFile(args[0])
}

func cmdClock(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: clock TIME|+DURATION")
	}
	w := scriptOf(ts)
	w.mu.Lock()
	defer w.mu.Unlock()
	if d, ok := strings.CutPrefix(args[0], "+"); ok {
		dur, err := time.ParseDuration(d)
		ts.Check(err)
		w.now = w.now.Add(dur)
		return
	}
	t, err := time.Parse(time.RFC3339, args[0])
	ts.Check(err)
	w.now = t
}

func cmdFakeProvider(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 || neg {
		ts.Fatalf("usage: fakeprovider NAME DIALECT KEY...")
	}
	fake := fakeprovider.New(fakeprovider.Dialect(args[1]))
	accepted := map[string]bool{}
	for _, k := range args[2:] {
		accepted["Bearer "+k] = true
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		// Every endpoint checks the key, as providers' do (keys set
		// verifies a key with GET /models).
		if !accepted[r.Header.Get("Authorization")] {
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(rw, `{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}`)
			return
		}
		fake.ServeHTTP(rw, r)
	}))
	w := scriptOf(ts)
	w.servers = append(w.servers, srv)
	ts.Setenv(strings.ToUpper(args[0])+"_HOST", strings.TrimPrefix(srv.URL, "http://"))
}
