//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

// poolWorld is two fake providers, "fake" playing steps and "fake2"
// answering, and pool "free" of both, in that order.
func poolWorld(t *testing.T, steps ...fakeprovider.Step) (*world, *fakeprovider.Server) {
	w := newWorld(t, fakeprovider.Groq, steps...)
	fp2 := fakeprovider.New(fakeprovider.Cerebras, fakeprovider.Step{Reply: "from two"})
	fp2.Key = testKey
	srv2 := httptest.NewServer(fp2)
	t.Cleanup(srv2.Close)
	w.writeConfig(fmt.Sprintf(`providers:
  fake:
    base_url: %q
    key_env: FAKE_KEY
    default_model: m1
    dialect: groq
  fake2:
    base_url: %q
    key_env: FAKE_KEY
    default_model: m1
    dialect: cerebras
pools:
  free: [fake/default/m1, fake2/default/m1]
`, w.srv.URL+"/v1", srv2.URL+"/v1"))
	return w, fp2
}

type poolOut struct {
	Provider string `json:"provider"`
	Content  string `json:"content"`
	Pool     struct {
		Name     string `json:"name"`
		Answered string `json:"answered"`
		Skipped  []struct {
			Target string     `json:"target"`
			Reason string     `json:"reason"`
			Until  *time.Time `json:"until"`
		} `json:"skipped"`
	} `json:"pool"`
}

func TestChatPoolFallsThrough(t *testing.T) {
	day := fakeprovider.Step{Status: http.StatusTooManyRequests, Body: fakeprovider.BodyGroqTPD}
	w, fp2 := poolWorld(t, day)
	r := w.tier("chat", "-p", "free", "--json", "hello")
	var out poolOut
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("%v\n%s", err, r)
	}
	if out.Provider != "fake2" || out.Pool.Answered != "fake2/default/m1" || len(out.Pool.Skipped) != 1 ||
		out.Pool.Skipped[0].Target != "fake/default/m1" || !strings.Contains(out.Pool.Skipped[0].Reason, "day") {
		t.Fatalf("pool = %+v\n%s", out, r)
	}
	// Said as the README's example says it: the window, until its reset
	// (not the provider's whole message).
	if sk := out.Pool.Skipped[0]; sk.Reason != "tokens per day used up until its reset" || sk.Until == nil {
		t.Errorf("skipped = %+v, want the day used up until its reset, with the time", sk)
	}
	// The first target's day is used up until its reset: the next chat
	// skips it without a request, and says why.
	before := len(w.fake.Requests())
	r = w.tier("chat", "--pool", "free", "hello")
	if r.code != 0 || len(w.fake.Requests()) != before || len(fp2.Requests()) != 2 {
		t.Fatalf("second chat: %d requests to the used-up target, %d to the second\n%s", len(w.fake.Requests())-before, len(fp2.Requests()), r)
	}
	if !strings.Contains(r.stderr, "pool free: fake2/default/m1 answered; skipped fake/default/m1 (tokens per day used up until its reset at ") {
		t.Errorf("stderr does not say who answered and why the other was skipped:\n%s", r)
	}
}

func TestChatPoolPaymentRequired(t *testing.T) {
	w, _ := poolWorld(t, fakeprovider.Step{Status: http.StatusPaymentRequired, Body: fakeprovider.BodyDeepSeek402})
	r := w.tier("chat", "-p", "free", "--json", "hello")
	var out poolOut
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 || out.Content != "from two" {
		t.Fatalf("%v %+v\n%s", err, out, r)
	}
	if n := strings.Count(strings.TrimSpace(r.stdout), "\n"); n != 0 {
		t.Errorf("--json printed %d lines, want one object", n+1)
	}
}

func TestChatPoolAuthDoesNotFallThrough(t *testing.T) {
	w, fp2 := poolWorld(t, fakeprovider.Step{Status: http.StatusUnauthorized, Body: fakeprovider.BodyInvalidKey})
	r := w.tier("chat", "-p", "free", "hello")
	if r.code != 3 || len(fp2.Requests()) != 0 {
		t.Fatalf("a refused key: exit %d, %d requests to the next target; want 3 and none\n%s", r.code, len(fp2.Requests()), r)
	}
}

func TestChatPoolNoHeadroom(t *testing.T) {
	day := fakeprovider.Step{Status: http.StatusTooManyRequests, Body: fakeprovider.BodyGroqTPD}
	w, _ := poolWorld(t, day)
	w.writeConfig(strings.Replace(mustRead(t, w.cfg+"/providers.yaml"), "free: [fake/default/m1, fake2/default/m1]", "free: [fake/default/m1]", 1))
	w.tier("chat", "-p", "free", "hello") // uses up the day
	r := w.tier("chat", "-p", "free", "--json", "hello")
	var out poolOut
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 5 || len(out.Pool.Skipped) != 1 {
		t.Fatalf("no target with headroom: %v %+v\n%s\nwant exit 5 and the skipped target in one object", err, out, r)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A target rate limited for longer than a moment is not waited out while
// the pool has another target to try: the chat falls through at once,
// and the next chat skips the target as cooling down.
func TestChatPoolRateLimitFallsThroughAtOnce(t *testing.T) {
	rpm := fakeprovider.Step{Status: http.StatusTooManyRequests, Body: fakeprovider.BodyTryAgain(20 * time.Second),
		Header: http.Header{"Retry-After": {"20"}}}
	w, fp2 := poolWorld(t, rpm)
	r := w.run(run{args: []string{"chat", "-p", "free", "--json", "--retries", "1", "hello"}, timeout: 40 * time.Second})
	var out poolOut
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 || out.Pool.Answered != "fake2/default/m1" {
		t.Fatalf("%v %+v\n%s", err, out, r)
	}
	if n := w.requests(); n != 1 || r.elapsed > 5*time.Second {
		t.Errorf("the rate-limited target got %d requests and the chat took %s; want 1 and no wait, the next target having headroom\n%s",
			n, r.elapsed.Round(time.Millisecond), r)
	}
	r = w.tier("chat", "-p", "free", "hello")
	if r.code != 0 || w.requests() != 1 || len(fp2.Requests()) != 2 || !strings.Contains(r.stderr, "cooling down after a 429") {
		t.Errorf("the next chat: %d requests to the rate-limited target (want none), %d to the next\n%s", w.requests()-1, len(fp2.Requests()), r)
	}
}

// A reply cut after the provider began it (a 2xx, maybe billed) is not
// sent again to the next target: the chat fails as a lone chat does.
func TestChatPoolCutReplyDoesNotFallThrough(t *testing.T) {
	for _, cut := range []fakeprovider.Step{
		{Reply: "one two three four", CutAfter: 2},
		{Reply: "one two three four", CutBody: 20},
	} {
		w, fp2 := poolWorld(t, cut)
		args := []string{"chat", "-p", "free", "hello"}
		if cut.CutBody > 0 {
			args = []string{"chat", "-p", "free", "--no-stream", "hello"}
		}
		r := w.tier(args...)
		if r.code != 6 || len(fp2.Requests()) != 0 || w.requests() != 1 {
			t.Errorf("a cut reply: exit %d, %d requests to the first target, %d to the next; want 6, 1 and none\n%s",
				r.code, w.requests(), len(fp2.Requests()), r)
		}
	}
}
