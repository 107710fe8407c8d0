//go:build unix

package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/quota"
)

// TestChatDialects: for each header dialect, a streamed reply reaches
// stdout, one line on stderr shows exactly the windows the provider
// reported, the snapshot is stored, and a second call (--json, not
// streamed) shows the request windows counting down.
func TestChatDialects(t *testing.T) {
	const reply = "Hello from the fake provider.\n"
	tests := []struct {
		dialect fakeprovider.Dialect
		// line is the quota line of the first call, countdowns masked.
		line string
		// windows are the stored windows after the first call:
		// "metric/period remaining/limit", sorted.
		windows []string
	}{
		{fakeprovider.OpenAI, "fake · m1 · requests 29/30 ↻… · tokens 6000/6000 ↻…",
			[]string{"requests/unknown 29/30", "tokens/unknown 6000/6000"}},
		{fakeprovider.Groq, "fake · m1 · RPD 14399/14400 ↻… · TPM 6000/6000 ↻…",
			[]string{"requests/day 14399/14400", "tokens/minute 6000/6000"}},
		{fakeprovider.Cerebras, "fake · m1 · RPM 29/30 ↻… · RPD 14399/14400 ↻… · TPM 6000/6000 ↻…",
			[]string{"requests/day 14399/14400", "requests/minute 29/30", "tokens/minute 6000/6000"}},
		{fakeprovider.SambaNova, "fake · m1 · RPM 29/30 ↻… · RPD 14399/14400 ↻…",
			[]string{"requests/day 14399/14400", "requests/minute 29/30"}},
		// OpenRouter sends its headers on its own 429s only.
		{fakeprovider.OpenRouter, "fake · m1 · limits not reported", nil},
		// Input and output tokens are buckets of their own (ITPM, OTPM).
		{fakeprovider.Anthropic, "fake · m1 · requests 29/30 ↻… · tokens 6000/6000 ↻… · ITPM 6000/6000 ↻… · OTPM 1200/1200 ↻…",
			[]string{"input_tokens/minute 6000/6000", "output_tokens/minute 1200/1200", "requests/unknown 29/30", "tokens/unknown 6000/6000"}},
		// Mistral sends no reset; the month is a window of its own.
		{fakeprovider.Mistral, "fake · m1 · RPM 29/30 · TPM 6000/6000 · tok/month 15M/15M",
			[]string{"requests/minute 29/30", "tokens/minute 6000/6000", "tokens/month 15000000/15000000"}},
		{fakeprovider.Together, "fake · m1 · requests 29/30 ↻… · tokens 6000/6000",
			[]string{"requests/unknown 29/30", "tokens/unknown 6000/6000"}},
		{fakeprovider.Fireworks, "fake · m1 · generated_tokens/minute limit 600 · prompt_tokens/minute limit 6000",
			[]string{"generated_tokens/minute -/600", "prompt_tokens/minute -/6000"}},
		{fakeprovider.None, "fake · m1 · limits not reported", nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.dialect), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, tt.dialect)

			r := w.tier("chat", "-p", "fake", "hello")
			if r.code != 0 || r.stdout != reply {
				t.Fatalf("want exit 0 and the reply on stdout:\n%s", r)
			}
			if got := strings.Count(r.stderr, "\n"); got != 1 {
				t.Errorf("want exactly one line on stderr, got %d:\n%s", got, r)
			}
			if got := quotaLine(r.stderr); got != tt.line {
				t.Errorf("quota line\n got: %s\nwant: %s", got, tt.line)
			}
			if strings.Contains(r.stderr, "\x1b[") {
				t.Errorf("stderr is not a terminal but has escape codes:\n%q", r.stderr)
			}
			snap, ok := w.snapshot()
			if !ok {
				t.Fatal("no snapshot stored")
			}
			if got := windowStrings(snap.Windows); !slices.Equal(got, tt.windows) {
				t.Errorf("stored windows\n got: %q\nwant: %q", got, tt.windows)
			}
			if req, _ := w.usage(); req != 1 {
				t.Errorf("ledger holds %d requests, want 1", req)
			}

			r = w.tier("chat", "-p", "fake", "--json", "--no-stream", "hello")
			if r.code != 0 {
				t.Fatalf("--json --no-stream:\n%s", r)
			}
			j := decodeOne(t, r)
			if j.Provider != "fake" || j.Model != "m1" || j.Key != "default" || j.Content != fakeprovider.DefaultReply ||
				j.FinishReason != "stop" || j.Error != nil || j.LatencyMS == nil {
				t.Errorf("--json object: %+v\n%s", j, r)
			}
			if j.Usage == nil || j.Usage.PromptTokens != 1 || j.Usage.CompletionTokens != 5 || j.Usage.TotalTokens != 6 {
				t.Errorf("--json usage = %+v, want 1 + 5 = 6 tokens", j.Usage)
			}
			if j.Quota == nil {
				t.Fatalf("--json has no quota:\n%s", r)
			}
			want := slices.Clone(tt.windows)
			for i, s := range want { // the second request: one fewer left
				want[i] = strings.Replace(strings.Replace(s, "29/30", "28/30", 1), "14399/", "14398/", 1)
				if (strings.HasPrefix(s, "tokens") || strings.HasPrefix(s, "input_tokens")) && !strings.HasSuffix(s, "-/6000") {
					want[i] = strings.Replace(s, "6000/6000", "5994/6000", 1) // 1 + 5 tokens used by call 1
					want[i] = strings.Replace(want[i], "15000000/15000000", "14999994/15000000", 1)
				}
			}
			if got := windowStrings(j.Quota.Windows); !slices.Equal(got, want) {
				t.Errorf("--json quota windows\n got: %q\nwant: %q", got, want)
			}
			if got := w.fake.Requests(); len(got) != 2 || !got[0].Stream || got[1].Stream {
				t.Errorf("want one streamed then one unstreamed request, got %d", len(got))
			}
			if req, _ := w.usage(); req != 2 {
				t.Errorf("ledger holds %d requests after two calls, want 2", req)
			}
		})
	}
}

// windowStrings renders windows as sorted "metric/period remaining/limit"
// ("-" for a figure not reported).
func windowStrings(ws []quota.Window) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Metric+"/"+w.Period+" "+num(w.Remaining)+"/"+num(w.Limit))
	}
	slices.Sort(out)
	return out
}

func num(p *int64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatInt(*p, 10)
}

// TestChatGarbageHeaders: nonsense in every rate-limit header of every
// dialect (and in Retry-After) is ignored: the call succeeds and no window
// is shown or stored, certainly not as 0.
func TestChatGarbageHeaders(t *testing.T) {
	for _, d := range fakeprovider.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, d, fakeprovider.Step{Header: d.GarbageHeaders()})
			r := w.tier("chat", "-p", "fake", "hello")
			if r.code != 0 || r.stdout == "" {
				t.Fatalf("want exit 0 and a reply:\n%s", r)
			}
			if got, want := quotaLine(r.stderr), "fake · m1 · limits not reported"; got != want {
				t.Errorf("quota line\n got: %s\nwant: %s\nheaders: %v", got, want, d.GarbageHeaders())
			}
			if snap, ok := w.snapshot(); ok && len(snap.Windows) > 0 {
				t.Errorf("garbage stored as windows: %q", windowStrings(snap.Windows))
			}
		})
	}
}

// TestChatRequestShape: the flags reach the provider as they should.
func TestChatRequestShape(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeprovider.Groq)
	r := w.tier("chat", "-p", "fake", "-m", "other-model", "-s", "be brief", "--temperature", "0.25",
		"--max-tokens", "7", "what", "is", "tier?")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	reqs := w.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("want 1 request, got %d", len(reqs))
	}
	req := reqs[0]
	want := []fakeprovider.Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "what is tier?"}}
	if !slices.Equal(req.Messages, want) {
		t.Errorf("messages = %+v, want %+v", req.Messages, want)
	}
	if req.Model != "other-model" || req.MaxTokens != 7 || !req.Stream {
		t.Errorf("model %q, max_tokens %d, stream %v; want other-model, 7, true", req.Model, req.MaxTokens, req.Stream)
	}
	raw := string(req.Raw)
	for _, s := range []string{`"temperature":0.25`, `"include_usage":true`} {
		if !strings.Contains(raw, s) {
			t.Errorf("request body lacks %s: %s", s, raw)
		}
	}
	if !req.Authorized {
		t.Error("the request did not carry the key from $FAKE_KEY")
	}
	// The quota line names the model actually used.
	if !strings.Contains(r.stderr, "fake · other-model · ") {
		t.Errorf("quota line does not name the model:\n%s", r)
	}
}

// TestChatQuietAndColor: -q drops the quota line; colour appears only when
// forced, and NO_COLOR beats the force.
func TestChatQuietAndColor(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeprovider.Groq)
	tests := []struct {
		name      string
		args      []string
		env       []string
		wantLine  bool
		wantColor bool
	}{
		{"plain in a pipe", nil, nil, true, false},
		{"quiet", []string{"-q"}, nil, false, false},
		{"quiet long form", []string{"--quiet"}, nil, false, false},
		{"forced colour", nil, []string{"CLICOLOR_FORCE=1"}, true, true},
		{"NO_COLOR beats forced colour", nil, []string{"CLICOLOR_FORCE=1", "NO_COLOR=1"}, true, false},
	}
	for _, tt := range tests {
		r := w.run(run{args: append([]string{"chat", "-p", "fake", "hi"}, tt.args...), env: tt.env})
		if r.code != 0 {
			t.Fatalf("%s: %s", tt.name, r)
		}
		if got := r.stderr != ""; got != tt.wantLine {
			t.Errorf("%s: quota line printed = %v, want %v:\n%s", tt.name, got, tt.wantLine, r)
		}
		if got := strings.Contains(r.stderr, "\x1b["); got != tt.wantColor {
			t.Errorf("%s: colour = %v, want %v: %q", tt.name, got, tt.wantColor, r.stderr)
		}
		if strings.Contains(r.stdout, "\x1b[") {
			t.Errorf("%s: escape codes in the reply on stdout: %q", tt.name, r.stdout)
		}
	}
}

// TestChatNoStream: --no-stream asks for the whole answer at once.
func TestChatNoStream(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeprovider.Cerebras, fakeprovider.Step{Reply: "all at once"})
	r := w.tier("chat", "-p", "fake", "--no-stream", "hi")
	if r.code != 0 || r.stdout != "all at once\n" {
		t.Fatalf("want the reply and a final newline:\n%s", r)
	}
	if reqs := w.fake.Requests(); reqs[0].Stream {
		t.Error("--no-stream sent a streaming request")
	}
}

// TestChatReplyEndsWithNewline: a reply without a final newline gets one
// (so the shell prompt starts on its own line), one with it gets no other.
func TestChatReplyEndsWithNewline(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ reply, want string }{
		{"no newline", "no newline\n"},
		{"has one\n", "has one\n"},
	} {
		w := newWorld(t, fakeprovider.Groq, fakeprovider.Step{Reply: tt.reply})
		for _, mode := range []string{"--no-stream", "--retries=3"} {
			r := w.tier("chat", "-p", "fake", mode, "hi")
			if r.code != 0 || r.stdout != tt.want {
				t.Errorf("reply %q (%s): stdout %q, want %q\n%s", tt.reply, mode, r.stdout, tt.want, r)
			}
		}
	}
}

// TestChatTemperatureZero: --temperature 0 is sent as 0, not left out (which
// would mean the provider's default, often 1).
func TestChatTemperatureZero(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeprovider.Groq)
	for _, mode := range []string{"--no-stream", "--retries=3"} {
		r := w.tier("chat", "-p", "fake", "--temperature", "0", mode, "hi")
		if r.code != 0 {
			t.Fatalf("%s", r)
		}
		reqs := w.fake.Requests()
		if raw := string(reqs[len(reqs)-1].Raw); !strings.Contains(raw, `"temperature":0`) {
			t.Errorf("%s: the request does not set temperature 0: %s", mode, raw)
		}
	}
	r := w.tier("chat", "-p", "fake", "hi")
	reqs := w.fake.Requests()
	if raw := string(reqs[len(reqs)-1].Raw); r.code != 0 || strings.Contains(raw, `"temperature"`) {
		t.Errorf("without --temperature the request sets one: %s", raw)
	}
}

// TestChatUsageErrors: mistakes in the command line or the configuration
// exit with 2 and one line saying what to do, before any request.
func TestChatUsageErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeprovider.Groq)
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"chat", "--no-such-flag", "hi"}, "unknown flag: --no-such-flag"},
		{[]string{"chat", "-p", "nope", "hi"}, `unknown provider "nope"`},
		{[]string{"chat", "-p", "fake", "--retries", "-1", "hi"}, "--retries and --max-wait must not be negative"},
		{[]string{"chat", "-p", "fake", "--max-wait", "-1s", "hi"}, "--retries and --max-wait must not be negative"},
		{[]string{"chat", "-p", "fake", "--max-wait", "soon", "hi"}, `--max-wait takes a duration such as 90s, 2m, 500ms or a number of seconds, got "soon"`},
		{[]string{"chat", "-p", "fake", "--temperature", "hot", "hi"}, `--temperature takes a number, got "hot"`},
		{[]string{"chat", "-p", "fake", "--temperature", "5", "hi"}, "--temperature must be between 0 and 2 (got 5)"},
		{[]string{"chat", "-p", "fake", "--temperature", "-0.5", "hi"}, "--temperature must be between 0 and 2 (got -0.5)"},
		{[]string{"chat", "-p", "fake", "--temperature", "NaN", "hi"}, "--temperature must be between 0 and 2 (got NaN)"},
	}
	for _, tt := range tests {
		r := w.run(run{args: tt.args, stdin: stdinNull})
		if r.code != 2 || !strings.Contains(r.stderr, tt.stderr) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("want exit 2 and one line with %q:\n%s", tt.stderr, r)
		}
	}
	if n := w.requests(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// No default model: the user catalog names none.
	w.writeConfig("providers:\n  fake:\n    base_url: " + w.srv.URL + "/v1\n    key_env: FAKE_KEY\n    dialect: groq\n")
	r := w.tier("chat", "-p", "fake", "hi")
	if r.code != 2 || !strings.Contains(r.stderr, "fake has no default model: pass -m MODEL") {
		t.Errorf("no default model:\n%s", r)
	}
}
