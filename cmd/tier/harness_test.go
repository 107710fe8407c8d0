//go:build unix

package main

// End-to-end tests: TestMain builds the real tier binary once; every test
// runs it as a user would, against a fake provider (internal/fakeprovider)
// behind an httptest server on 127.0.0.1, with its own config and state
// directories. Every run is checked for the API key: it must not appear on
// stdout, on stderr or in any file tier wrote.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

// Obviously fake keys (never shaped like a real provider's).
const (
	testKey  = "test-key-good-0001"
	wrongKey = "test-key-bad-0002"
)

// tierBin is the binary under test, built by TestMain.
var tierBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tier-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tierBin = filepath.Join(dir, "tier")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(goTool, "build", "-o", tierBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building tier:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// world is one fake provider and one tier installation pointed at it.
type world struct {
	t     *testing.T
	fake  *fakeprovider.Server
	srv   *httptest.Server
	dir   string // HOME
	cfg   string // TIER_CONFIG_DIR
	state string // TIER_STATE_DIR
	env   []string
}

// newWorld starts a fake provider speaking dialect d that plays steps, and
// configures provider "fake" (model m1, key in $FAKE_KEY) to point at it.
func newWorld(t *testing.T, d fakeprovider.Dialect, steps ...fakeprovider.Step) *world {
	t.Helper()
	fake := fakeprovider.New(d, steps...)
	fake.Key = testKey
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	w := newWorldAt(t, srv.URL+"/v1", string(d))
	w.fake, w.srv = fake, srv
	return w
}

// newWorldAt configures provider "fake" at baseURL without starting a server.
func newWorldAt(t *testing.T, baseURL, dialect string) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{t: t, dir: dir, cfg: filepath.Join(dir, "config"), state: filepath.Join(dir, "state")}
	w.writeConfig(fmt.Sprintf("providers:\n  fake:\n    base_url: %q\n    key_env: FAKE_KEY\n    default_model: m1\n    dialect: %s\n", baseURL, dialect))
	w.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"TIER_CONFIG_DIR=" + w.cfg,
		"TIER_STATE_DIR=" + w.state,
		"FAKE_KEY=" + testKey,
		"TERM=xterm-256color",
	}
	return w
}

func (w *world) writeConfig(yaml string) {
	w.t.Helper()
	if err := os.MkdirAll(w.cfg, 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.cfg, "providers.yaml"), []byte(yaml), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// setenv adds or replaces variables ("NAME=value"; "NAME=" removes NAME).
func (w *world) setenv(kv ...string) {
	for _, v := range kv {
		name, val, _ := strings.Cut(v, "=")
		w.env = withEnv(w.env, name, val)
	}
}

func withEnv(env []string, name, val string) []string {
	out := env[:0:0]
	for _, e := range env {
		if !strings.HasPrefix(e, name+"=") {
			out = append(out, e)
		}
	}
	if val != "" {
		out = append(out, name+"="+val)
	}
	return out
}

// result is what one tier run did.
type result struct {
	args           []string
	stdout, stderr string
	code           int
	elapsed        time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("tier %s\nexit %d after %s\n--- stdout\n%s--- stderr\n%s", strings.Join(r.args, " "),
		r.code, r.elapsed.Round(time.Millisecond), r.stdout, r.stderr)
}

// stdin modes of a run.
type stdinMode int

const (
	stdinNull   stdinMode = iota // /dev/null: EOF at once
	stdinData                    // a pipe with run.input, then EOF
	stdinSilent                  // a pipe that stays open and never gets a byte
	stdinClosed                  // fd 0 closed (tier started as `tier ... <&-`)
)

type run struct {
	args    []string
	stdin   stdinMode
	input   string
	env     []string // extra "NAME=value" (NAME= removes NAME)
	timeout time.Duration
}

// tier runs tier with stdin at /dev/null.
func (w *world) tier(args ...string) result {
	w.t.Helper()
	return w.run(run{args: args})
}

func (w *world) run(r run) result {
	w.t.Helper()
	cmd := w.command(r)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var silent *os.File
	switch r.stdin {
	case stdinData:
		cmd.Stdin = strings.NewReader(r.input)
	case stdinSilent:
		pr, pw, err := os.Pipe()
		if err != nil {
			w.t.Fatal(err)
		}
		defer pr.Close()
		cmd.Stdin, silent = pr, pw
	}
	start := time.Now()
	err := cmd.Run()
	res := result{args: r.args, stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	if silent != nil {
		silent.Close()
	}
	res.code = exitCode(w.t, err, cmd)
	w.checkNoKey(res)
	return res
}

// command builds the exec.Cmd of r, killed after its timeout (20s).
func (w *world) command(r run) *exec.Cmd {
	timeout := r.timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	w.t.Cleanup(cancel)
	env := append([]string(nil), w.env...)
	for _, v := range r.env {
		name, val, _ := strings.Cut(v, "=")
		env = withEnv(env, name, val)
	}
	var cmd *exec.Cmd
	if r.stdin == stdinClosed {
		cmd = exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", `exec "$0" "$@" <&-`, tierBin}, r.args...)...)
	} else {
		cmd = exec.CommandContext(ctx, tierBin, r.args...)
	}
	cmd.Env = env
	cmd.Dir = w.dir
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

func exitCode(t *testing.T, err error, cmd *exec.Cmd) int {
	t.Helper()
	if err == nil {
		return 0
	}
	if cmd.ProcessState == nil {
		t.Fatalf("tier did not run: %v", err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("tier was killed by %v (timeout?)", ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

// checkNoKey fails the test when either test key appears in what tier
// printed or in any file under HOME (config and state included).
func (w *world) checkNoKey(r result) {
	w.t.Helper()
	for _, key := range []string{testKey, wrongKey} {
		if strings.Contains(r.stdout, key) || strings.Contains(r.stderr, key) {
			w.t.Errorf("the API key appears in tier's output:\n%s", r)
		}
		filepath.WalkDir(w.dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(key)) {
				w.t.Errorf("the API key appears in %s", path)
			}
			return nil
		})
	}
}

// store opens the world's state directory.
func (w *world) store() *store.Store { return store.Open(w.state) }

// snapshot returns the stored snapshot of fake/default/m1.
func (w *world) snapshot() (quota.Snapshot, bool) {
	w.t.Helper()
	s, ok, err := w.store().Snapshot("fake", "default", "m1")
	if err != nil {
		w.t.Fatalf("reading the stored snapshot: %v", err)
	}
	return s, ok
}

// usage returns the requests and tokens the ledger holds for fake/default/m1.
func (w *world) usage() (requests, tokens int64) {
	w.t.Helper()
	now := time.Now()
	r, tk, err := w.store().UsageSince("fake", "default", "m1", now.Add(-time.Hour), now.Add(time.Minute))
	if err != nil {
		w.t.Fatalf("reading the usage ledger: %v", err)
	}
	return r, tk
}

func (w *world) requests() int { return len(w.fake.Requests()) }

// quotaLine returns the last line of stderr with every reset countdown
// ("↻41s", "↻13h05m") replaced by "↻…".
func quotaLine(stderr string) string {
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	return reCountdown.ReplaceAllString(lines[len(lines)-1], "↻…")
}

var reCountdown = regexp.MustCompile(`↻\S+`)

// chatJSON is tier chat --json's object, as a script reads it.
type chatJSON struct {
	Provider     string          `json:"provider"`
	Model        string          `json:"model"`
	Key          string          `json:"key"`
	Content      string          `json:"content"`
	FinishReason string          `json:"finish_reason"`
	Usage        *jsonUsage      `json:"usage"`
	LatencyMS    *int64          `json:"latency_ms"`
	Quota        *quota.Snapshot `json:"quota"`
	Error        *struct {
		Kind       string `json:"kind"`
		Message    string `json:"message"`
		HTTPStatus int    `json:"http_status"`
		ExitCode   int    `json:"exit_code"`
	} `json:"error"`
}

type jsonUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// decodeOne decodes stdout as exactly one JSON object and nothing else.
func decodeOne(t *testing.T, r result) chatJSON {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, r)
	}
	if rest, _ := io.ReadAll(dec.Buffered()); strings.TrimSpace(string(rest)) != "" || dec.More() {
		t.Fatalf("stdout holds more than one JSON object:\n%s", r)
	}
	var j chatJSON
	if err := json.Unmarshal([]byte(r.stdout), &j); err != nil {
		t.Fatalf("stdout JSON has the wrong shape: %v\n%s", err, r)
	}
	for _, k := range []string{"provider", "model", "key", "content", "latency_ms"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("--json object has no %q member:\n%s", k, r)
		}
	}
	return j
}

// lastUserMessage is what the fake provider received as the prompt.
func lastUserMessage(t *testing.T, reqs []fakeprovider.Request) string {
	t.Helper()
	if len(reqs) == 0 {
		t.Fatal("the provider received no request")
	}
	msgs := reqs[len(reqs)-1].Messages
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return msgs[i].Content
		}
	}
	t.Fatal("the request has no user message")
	return ""
}

// gap is the time between the first two requests the provider received.
func gap(t *testing.T, reqs []fakeprovider.Request) time.Duration {
	t.Helper()
	if len(reqs) < 2 {
		t.Fatalf("want at least 2 requests, got %d", len(reqs))
	}
	return reqs[1].At.Sub(reqs[0].At)
}
