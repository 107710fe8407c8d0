//go:build unix

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

// Defects found by the acceptance run of issues 10 and 11, each tested
// end to end as a user meets it.

// Anthropic's input-token bucket at 0 while "tokens" looks healthy: when the
// 429's retry-after is beyond --max-wait (or tier retries), the message must
// still say which bucket ran out, as it does when tier gives up.
func TestAnthropicRateLimitNamesTheBucketBeyondMaxWait(t *testing.T) {
	reset := time.Now().Add(40 * time.Second).UTC().Format(time.RFC3339)
	w := newWorld(t, fakeprovider.Anthropic, fakeprovider.Step{Status: 429,
		Body: `{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}`,
		Header: http.Header{
			"Anthropic-Ratelimit-Input-Tokens-Limit":     {"40000"},
			"Anthropic-Ratelimit-Input-Tokens-Remaining": {"0"},
			"Anthropic-Ratelimit-Input-Tokens-Reset":     {reset},
			"Retry-After":                                {"20"},
		}})
	r := w.tier("chat", "-p", "fake", "--no-stdin", "--max-wait", "1s", "hi")
	if r.code != 4 {
		t.Fatalf("want exit 4\n%s", r)
	}
	if !strings.Contains(r.stderr, "input tokens per minute") {
		t.Errorf("the message does not say the input-token bucket ran out\n%s", r)
	}
}

// A key stored unverified (its host unreachable) is pinned to the host it
// was stored for; when base_url moves, tier must not claim the key was
// verified there. (The plaintext file holds a key other than testKey, which
// the harness looks for in every file.)
func TestUnverifiedPinIsNotCalledVerified(t *testing.T) {
	w := newWorldAt(t, "http://127.0.0.1:1/v1", "groq")
	w.setenv("TIER_NO_KEYRING=1", "FAKE_KEY=")
	set := w.run(run{args: []string{"keys", "set", "fake", "--insecure-storage"}, stdin: stdinData, input: "test-key-unverified-0003\n"})
	if set.code != 0 || !strings.Contains(set.stderr, "stored unverified") {
		t.Fatalf("keys set with the host unreachable:\n%s", set)
	}
	fake := fakeprovider.New(fakeprovider.Groq)
	fake.Key = testKey
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	w.writeConfig(fmt.Sprintf("providers:\n  fake:\n    base_url: %q\n    key_env: FAKE_KEY\n    default_model: m1\n    dialect: groq\n", srv.URL+"/v1"))
	for _, args := range [][]string{{"chat", "-p", "fake", "--no-stdin", "hi"}, {"keys", "list"}, {"keys", "doctor"}} {
		r := w.tier(args...)
		if strings.Contains(r.stdout+r.stderr, "verified for 127.0.0.1:1") {
			t.Errorf("an unverified key is said to be verified for the host it was only stored for:\n%s", r)
		}
		if !strings.Contains(r.stdout+r.stderr, "pinned to 127.0.0.1:1") {
			t.Errorf("the host the key is pinned to is not named:\n%s", r)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests reached the new host", n)
	}
}

// The README's table of exit codes lists every code 'tier help exit-codes'
// documents (141, for a stdout closed early, was missing).
func TestREADMEListsEveryExitCode(t *testing.T) {
	w := newWorldAt(t, "http://127.0.0.1:1/v1", "groq")
	r := w.tier("help", "exit-codes")
	if r.code != 0 {
		t.Fatalf("tier help exit-codes:\n%s", r)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	codes := regexp.MustCompile(`(?m)^  (\d+) `).FindAllStringSubmatch(r.stdout, -1)
	if len(codes) < 8 {
		t.Fatalf("found %d codes in tier help exit-codes:\n%s", len(codes), r)
	}
	for _, c := range codes {
		if !strings.Contains(string(readme), "\n| "+c[1]+" | ") {
			t.Errorf("README.md's exit code table has no row for %s", c[1])
		}
	}
}

// The demo provider with a state directory tier cannot write: its counters
// cannot be kept, but that is no "server error (500)" to retry three times
// and exit 6 with; the README's first command must still answer (the
// counters unsaved, one warning), or fail at once saying why.
func TestDemoUnwritableStateIsNoServerError(t *testing.T) {
	w := newWorldAt(t, "http://127.0.0.1:1/v1", "groq")
	if err := os.MkdirAll(w.state, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"snapshots", "ledger", "seen", "keys", "demo"} {
		if err := os.Mkdir(filepath.Join(w.state, name+".lock"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	r := w.tier("chat", "-p", "demo", "--no-stdin", "hello")
	if strings.Contains(r.stderr, "server error") || strings.Contains(r.stderr, "retrying") {
		t.Errorf("an unwritable state directory is presented as the demo's server error, and retried\n%s", r)
	}
	if r.code != 0 && r.code != 2 {
		t.Errorf("exit %d, want 0 (answered, counters unsaved) or 2 (state directory unusable)\n%s", r.code, r)
	}
}

// OpenRouter commits a 200 before its upstream runs, so a failure after
// that (a 429 from the upstream) rides a 200 body with an "error" object and
// no choices (https://github.com/BerriAI/litellm/pull/21755,
// https://github.com/nodetool-ai/nodetool/pull/5755). The streaming path
// reports it; --no-stream must too, not exit 0 with an empty reply. (An
// error object in place of the reply is no billed reply: the usual retry
// rules apply, in both modes, as to the same error with its own status.)
func TestNoStreamErrorInA200BodyIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		fmt.Fprint(rw, `{"error":{"message":"Rate limit exceeded: free-models-per-day","code":429},"user_id":"user_x"}`)
	}))
	t.Cleanup(srv.Close)
	w := newWorldAt(t, srv.URL+"/v1", "openrouter")
	r := w.tier("chat", "-p", "fake", "--no-stdin", "--no-stream", "hi")
	if r.code == 0 {
		t.Errorf("exit 0 for an error body\n%s", r)
	}
	if !strings.Contains(r.stderr, "Rate limit exceeded: free-models-per-day") {
		t.Errorf("the provider's error is not shown\n%s", r)
	}
}
