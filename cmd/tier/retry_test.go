//go:build unix

package main

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	fp "github.com/tier-cli/tier/internal/fakeprovider"
)

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

var ok = fp.Step{Reply: "finally"}

// TestChatRetries: a 429, a 5xx or a failure before the first byte is
// retried, waiting at least as long as the provider asked (Retry-After,
// retry-after-ms, a hint in the body, a reset header), within --retries and
// --max-wait; everything else fails at once with its exit code.
func TestChatRetries(t *testing.T) {
	soon := time.Now().Add(2 * time.Second).UnixMilli() // OpenRouter's reset, epoch ms
	tests := []struct {
		name     string
		dialect  fp.Dialect
		steps    []fp.Step
		args     []string
		env      []string
		wantCode int
		wantReqs int
		// minGap is the least time the provider must see between the first
		// two requests, notBefore the earliest the second may come (the
		// wait honoured); maxTime bounds the whole run.
		minGap    time.Duration
		notBefore time.Time
		maxTime   time.Duration
		// stdout is the exact stdout; stderr lists substrings of stderr.
		stdout string
		stderr []string
	}{
		{
			name: "429 with Retry-After 1, then success", dialect: fp.Groq,
			steps:    []fp.Step{{Status: 429, Body: fp.BodyRateLimited, Header: hdr("Retry-After", "1")}, ok},
			wantCode: 0, wantReqs: 2, minGap: time.Second, maxTime: 5 * time.Second,
			stdout: "finally\n", stderr: []string{"fake: rate limited (429): retrying in 2s", "fake · m1 · RPD 14398/14400"},
		},
		{
			name: "429 with retry-after-ms 700, then success", dialect: fp.OpenAI,
			steps:    []fp.Step{{Status: 429, Body: fp.BodyRateLimited, Header: hdr("retry-after-ms", "700")}, ok},
			wantCode: 0, wantReqs: 2, minGap: 700 * time.Millisecond, maxTime: 5 * time.Second,
			stdout: "finally\n", stderr: []string{"retrying in 1s"},
		},
		{
			name: "429 whose body says 'try again in 1.2s', then success", dialect: fp.Groq,
			steps:    []fp.Step{{Status: 429, Body: fp.BodyTryAgain(1200 * time.Millisecond)}, ok},
			wantCode: 0, wantReqs: 2, minGap: 1200 * time.Millisecond, maxTime: 5 * time.Second,
			stdout: "finally\n",
		},
		{
			name: "429 whose reset header says 1.5s (Cerebras), then success", dialect: fp.Cerebras,
			steps: []fp.Step{{Status: 429, Body: fp.BodyCerebrasRPM, Header: hdr(
				"x-ratelimit-remaining-requests-minute", "0", "x-ratelimit-reset-requests-minute", "1.5")}, ok},
			wantCode: 0, wantReqs: 2, minGap: 1500 * time.Millisecond, maxTime: 6 * time.Second,
			stdout: "finally\n",
		},
		{
			name: "429 with OpenRouter's reset in epoch ms, then success", dialect: fp.OpenRouter,
			steps: []fp.Step{{Status: 429, Body: `{"error":{"code":429,"message":"Rate limit exceeded: free-models-per-min."}}`,
				Header: hdr("X-RateLimit-Reset", strconv.FormatInt(soon, 10))}, ok},
			wantCode: 0, wantReqs: 2, notBefore: time.UnixMilli(soon), maxTime: 6 * time.Second,
			stdout: "finally\n",
		},
		{
			name: "429 with Gemini's RetryInfo 1s, then success", dialect: fp.None,
			steps:    []fp.Step{{Status: 429, Body: fp.BodyGeminiRetry(time.Second)}, ok},
			wantCode: 0, wantReqs: 2, minGap: time.Second, maxTime: 5 * time.Second,
			stdout: "finally\n",
		},
		{
			name: "429 whose wait exceeds --max-wait: exit 4 at once", dialect: fp.Groq,
			steps:    []fp.Step{{Status: 429, Body: fp.BodyRateLimited, Header: hdr("Retry-After", "30")}},
			args:     []string{"--max-wait", "2s"},
			wantCode: 4, wantReqs: 1, maxTime: 2 * time.Second,
			stderr: []string{"tier: fake: rate limited; the provider says a retry could succeed in 30s, more than --max-wait 2s allows"},
		},
		{
			name: "429 on every attempt: exit 4 after --retries", dialect: fp.Groq,
			steps:    []fp.Step{{Status: 429, Body: fp.BodyRateLimited, Header: hdr("Retry-After", "0.2")}},
			args:     []string{"--retries", "2", "-q"},
			wantCode: 4, wantReqs: 3, minGap: 200 * time.Millisecond, maxTime: 5 * time.Second,
			stderr: []string{"tier: fake: rate limited: Rate limit exceeded (after 3 attempts)"},
		},
		{
			name: "429 with --retries 0: exit 4, no retry", dialect: fp.Groq,
			steps:    []fp.Step{{Status: 429, Body: fp.BodyRateLimited, Header: hdr("Retry-After", "0.1")}},
			args:     []string{"--retries", "0"},
			wantCode: 4, wantReqs: 1, maxTime: 2 * time.Second,
		},
		{
			name: "daily token quota used up (Groq TPD): exit 5, not retried", dialect: fp.Groq,
			steps:    []fp.Step{{Status: 429, Body: fp.BodyGroqTPD}},
			wantCode: 5, wantReqs: 1, maxTime: 2 * time.Second,
			stderr: []string{"tier: fake: tokens per day exhausted; the provider gives its reset as", "(in 9m3"},
		},
		{
			name: "daily token limit hit (SambaNova duration_s 86400), no time given: exit 5, not retried", dialect: fp.SambaNova,
			steps:    []fp.Step{{Status: 429, Body: `{"error":{"message":"Rate limit exceeded. Violated duration_s: 86400, current usage: 87654, limit: 200000","type":"rate_limit_exceeded","code":"rate_limit_exceeded"}}`}},
			wantCode: 5, wantReqs: 1, maxTime: 2 * time.Second,
			stderr: []string{"tier: fake: tokens per day limit reached: Rate limit exceeded. Violated duration_s: 86400"},
		},
		{
			name: "a 'per day' window at 0 whose stated reset is 2s away: waited out, then success", dialect: fp.SambaNova,
			steps: []fp.Step{{Status: 429, Body: fp.BodyRateLimited, Header: hdr(
				"x-ratelimit-remaining-requests-day", "0", "x-ratelimit-reset-requests-day", "2")}, ok},
			wantCode: 0, wantReqs: 2, minGap: 1500 * time.Millisecond, maxTime: 6 * time.Second,
			stdout: "finally\n", stderr: []string{"fake: requests per day exhausted; the provider gives its reset as"},
		},
		{
			name: "429 with no time given: tier's backoff, said to be tier's", dialect: fp.Groq,
			steps:    []fp.Step{{Status: 429, Body: fp.BodyRateLimited}, ok},
			wantCode: 0, wantReqs: 2, maxTime: 5 * time.Second,
			stdout: "finally\n", stderr: []string{"fake: rate limited (429); the provider gave no time, so tier backs off: retrying in"},
		},
		{
			name: "402 insufficient balance (DeepSeek): exit 5, not retried", dialect: fp.None,
			steps:    []fp.Step{{Status: 402, Body: fp.BodyDeepSeek402}},
			wantCode: 5, wantReqs: 1, maxTime: 2 * time.Second,
			stderr: []string{"tier: fake: the credit balance is used up: Insufficient Balance", "fake · m1 · credit"},
		},
		{
			name: "402 out of credits (OpenRouter): exit 5", dialect: fp.OpenRouter,
			steps:    []fp.Step{{Status: 402, Body: fp.BodyOpenRouter402}},
			wantCode: 5, wantReqs: 1, maxTime: 2 * time.Second,
			stderr: []string{"Insufficient credits"},
		},
		{
			name: "401 wrong key: exit 3, not retried", dialect: fp.Groq,
			env:      []string{"FAKE_KEY=" + wrongKey},
			wantCode: 3, wantReqs: 1, maxTime: 2 * time.Second,
			stderr: []string{"tier: fake refused the key from FAKE_KEY (Invalid API Key): fix that variable, or unset it"},
		},
		{
			name: "403 forbidden: exit 3", dialect: fp.Groq,
			steps:    []fp.Step{{Status: 403, Body: fp.BodyForbidden}},
			wantCode: 3, wantReqs: 1, maxTime: 2 * time.Second,
		},
		{
			name: "no key at all: exit 3, nothing sent", dialect: fp.Groq,
			env:      []string{"FAKE_KEY="},
			wantCode: 3, wantReqs: 0, maxTime: 2 * time.Second,
			stderr: []string{"FAKE_KEY"},
		},
		{
			name: "500 then success", dialect: fp.Groq,
			steps:    []fp.Step{{Status: 500, Body: fp.BodyServerError}, ok},
			wantCode: 0, wantReqs: 2, minGap: 400 * time.Millisecond, maxTime: 5 * time.Second,
			stdout: "finally\n", stderr: []string{"fake: server error (500): retrying in 1s"},
		},
		{
			name: "502 from a proxy on every attempt: exit 6", dialect: fp.Groq,
			steps:    []fp.Step{{Status: 502, Body: fp.BodyBadGateway, NoLimitHeaders: true}},
			args:     []string{"--retries", "1"},
			wantCode: 6, wantReqs: 2, maxTime: 5 * time.Second,
			stderr: []string{"tier: fake: server error: 502 Bad Gateway (after 2 attempts)"},
		},
		{
			name: "503 with Retry-After 1, then success", dialect: fp.Together,
			steps:    []fp.Step{{Status: 503, Body: fp.BodyServerError, Header: hdr("Retry-After", "1")}, ok},
			wantCode: 0, wantReqs: 2, minGap: time.Second, maxTime: 5 * time.Second,
			stdout: "finally\n",
		},
		{
			name: "5xx whose backoff exceeds --max-wait: exit 6 at once", dialect: fp.Groq,
			steps:    []fp.Step{{Status: 500, Body: fp.BodyServerError, Header: hdr("Retry-After", "30")}},
			args:     []string{"--max-wait", "1s"},
			wantCode: 6, wantReqs: 1, maxTime: 2 * time.Second,
		},
		{
			name: "connection dropped before the first byte, then success", dialect: fp.Groq,
			steps:    []fp.Step{{Drop: true}, ok},
			wantCode: 0, wantReqs: 2, maxTime: 5 * time.Second,
			stdout: "finally\n", stderr: []string{"fake: network error: retrying in"},
		},
		{
			// The 200 arrived: the provider may bill it, so it is not sent again.
			name: "stream cut after its 200 headers, before any content: exit 6, not retried", dialect: fp.Groq,
			steps:    []fp.Step{{CutAtStart: true}, ok},
			wantCode: 6, wantReqs: 1, maxTime: 2 * time.Second,
			stderr: []string{"tier: fake: the stream was cut before the reply finished"},
		},
		{
			name: "400 invalid request: exit 2", dialect: fp.Groq,
			steps:    []fp.Step{{Status: 400, Body: `{"error":{"message":"model 'nope' does not exist","type":"invalid_request_error"}}`}},
			wantCode: 2, wantReqs: 1, maxTime: 2 * time.Second,
			stderr: []string{"tier: fake rejected the request: model 'nope' does not exist"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, tt.dialect, tt.steps...)
			args := append([]string{"chat", "-p", "fake"}, tt.args...)
			r := w.run(run{args: append(args, "hi"), env: tt.env})
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d", r.code, tt.wantCode)
			}
			reqs := w.fake.Requests()
			if len(reqs) != tt.wantReqs {
				t.Errorf("the provider got %d requests, want %d", len(reqs), tt.wantReqs)
			}
			if tt.minGap > 0 && len(reqs) >= 2 {
				if g := gap(t, reqs); g < tt.minGap {
					t.Errorf("tier retried after %s, before the %s the provider asked for", g, tt.minGap)
				}
			}
			if !tt.notBefore.IsZero() && len(reqs) >= 2 && reqs[1].At.Before(tt.notBefore) {
				t.Errorf("tier retried %s before the reset the provider announced", tt.notBefore.Sub(reqs[1].At))
			}
			if r.elapsed > tt.maxTime {
				t.Errorf("took %s, want at most %s", r.elapsed, tt.maxTime)
			}
			if tt.stdout != "" || tt.wantCode != 0 {
				if r.stdout != tt.stdout {
					t.Errorf("stdout %q, want %q", r.stdout, tt.stdout)
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q", s)
				}
			}
			if tt.wantCode != 0 {
				if n := strings.Count(r.stderr, "tier: "); n != 1 {
					t.Errorf("want exactly one error line on stderr, got %d", n)
				}
			}
			if t.Failed() {
				t.Logf("%s", r)
			}
		})
	}
}

// TestChatUnreachable: nothing listening: exit 6 with a message naming the
// host, after the retries.
func TestChatUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	w := newWorldAt(t, "http://"+addr+"/v1", "groq")
	r := w.tier("chat", "-p", "fake", "--retries", "1", "hi")
	if r.code != 6 {
		t.Errorf("exit %d, want 6", r.code)
	}
	if want := "tier: fake: cannot reach " + addr; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q", want)
	}
	if r.elapsed > 5*time.Second {
		t.Errorf("took %s", r.elapsed)
	}
	if t.Failed() {
		t.Logf("%s", r)
	}
}

// TestChatKeyEchoed: a provider (or a proxy) that echoes the key in its
// error message must not make tier print it: not on stderr, not in --json.
func TestChatKeyEchoed(t *testing.T) {
	echo := `{"error":{"message":"Incorrect API key provided: ` + testKey + `. Find your key in the console.","type":"invalid_request_error"}}`
	tests := []struct {
		name string
		step fp.Step
		code int
	}{
		{"401 body", fp.Step{Status: 401, Body: echo}, 3},
		{"429 body", fp.Step{Status: 429, Body: echo, Header: hdr("Retry-After", "60")}, 4},
		{"error chunk in a stream", fp.Step{Reply: "partial", StreamError: "upstream rejected key " + testKey}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, fp.OpenAI, tt.step)
			for _, json := range []bool{false, true} {
				args := []string{"chat", "-p", "fake", "--retries", "0", "hi"}
				if json {
					args = append(args, "--json")
				}
				r := w.tier(args...) // checkNoKey inspects the output
				if r.code != tt.code {
					t.Errorf("exit %d, want %d\n%s", r.code, tt.code, r)
				}
				if !strings.Contains(r.stderr, "…0001") {
					t.Errorf("the message should name the key by its fingerprint:\n%s", r)
				}
			}
		})
	}
}

// TestChatNoStreamCut: a --no-stream reply cut after its 200 arrived is
// not sent again (the provider bills it): tier says after how many bytes
// it was cut, exits 6, and keeps the content that arrived, on stdout or in
// --json, as it does for a cut stream. The call is counted in the ledger.
func TestChatNoStreamCut(t *testing.T) {
	const prefix = `{"id":"chatcmpl-fake","object":"chat.completion","created":1763683200,"model":"m1","choices":[{"index":0,"message":{"role":"assistant","content":"`
	cut := len(prefix) + len("one two ")
	msg := "tier: fake: the reply was cut off after " + strconv.Itoa(cut) + " bytes"
	for _, json := range []bool{false, true} {
		t.Run("json="+strconv.FormatBool(json), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, fp.Groq, fp.Step{Reply: "one two three four", CutBody: cut}, ok)
			args := []string{"chat", "-p", "fake", "--no-stream", "hi"}
			if json {
				args = append(args, "--json")
			}
			r := w.tier(args...)
			if r.code != 6 || !strings.Contains(r.stderr, msg) {
				t.Errorf("want exit 6 and %q:\n%s", msg, r)
			}
			if json {
				j := decodeOne(t, r)
				if j.Content != "one two " || j.Error == nil || j.Error.Kind != "stream_cut" || j.Error.ExitCode != 6 {
					t.Errorf("content %q, error %+v; want what arrived and a stream_cut error:\n%s", j.Content, j.Error, r)
				}
			} else if r.stdout != "one two \n" {
				t.Errorf("stdout %q, want what arrived", r.stdout)
			}
			if n := w.requests(); n != 1 {
				t.Errorf("the provider got %d requests, want 1: a reply cut after its 200 is not sent again", n)
			}
			if req, _ := w.usage(); req != 1 {
				t.Errorf("ledger holds %d requests, want 1", req)
			}
		})
	}
}
