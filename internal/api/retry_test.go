package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tier-cli/tier/internal/quota"
)

// completeBody is a whole non-streamed reply whose content is
// "one two three four".
const completeBody = `{"id":"x","object":"chat.completion","model":"m1","choices":[{"index":0,"message":{"role":"assistant","content":"one two three four"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":4,"total_tokens":5}}`

// cutAt is the length of completeBody up to and including "one two ".
var cutAt = strings.Index(completeBody, "three")

// cutBody answers 200 with the whole body's Content-Length, sends its
// first n bytes and drops the connection: a reply cut after it arrived.
func cutBody(body string, n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:n])
		buf.Flush()
	}
}

// stream200 answers 200 as an event stream, sends events and drops the
// connection.
func stream200(events ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		for _, e := range events {
			fmt.Fprintf(w, "data: %s\n\n", e)
		}
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
}

// silentAfterHeaders answers 200 and then sends nothing until the client
// goes away.
func silentAfterHeaders(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// TestNothingBilledIsResent: once a 2xx status arrived, the provider may
// bill the request, so however the reply then fails (cut, stalled, an error
// in the stream, unreadable) it is never sent again; what arrived is kept.
// Failures before any 2xx are still retried.
func TestNothingBilledIsResent(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		stream  bool
		hits    int64  // requests the provider gets
		message string // part of the error; "" means success
		content string // what Out and Reply.Content hold
		cut     bool   // Error.StreamCut
	}{
		{name: "not streamed, cut after 200 and part of the content", handler: cutBody(completeBody, cutAt),
			hits: 1, message: fmt.Sprintf("fake: the reply was cut off after %d bytes", cutAt), content: "one two ", cut: true},
		{name: "not streamed, cut after 200 inside an escape", handler: cutBody(`{"choices":[{"message":{"content":"a\"b\u00e9c\u00`, 47),
			hits: 1, message: "fake: the reply was cut off after 47 bytes", content: `a"béc`, cut: true},
		{name: "not streamed, cut after 200 before the content", handler: cutBody(completeBody, 20),
			hits: 1, message: "fake: the reply was cut off after 20 bytes", cut: true},
		{name: "not streamed, cut after the content, in the usage", handler: cutBody(completeBody, len(completeBody)-10),
			hits: 1, message: "cut off after", content: "one two three four", cut: true},
		{name: "not streamed, 200 with a body that is not JSON", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("<html>oops</html>"))
		}, hits: 1, message: "fake sent a reply tier cannot read"},
		{name: "not streamed, silent after 200 (watchdog)", handler: silentAfterHeaders,
			hits: 1, message: "the reply stalled"},
		{name: "streamed, cut after 200 before any content", handler: stream200(), stream: true,
			hits: 1, message: "the stream was cut"},
		{name: "streamed, error chunk after 200 before any content", stream: true,
			handler: stream200(`{"error":{"message":"overloaded"},"choices":[]}`),
			hits:    1, message: "error in the stream: overloaded"},
		{name: "streamed, silent after 200 (watchdog)", handler: silentAfterHeaders, stream: true,
			hits: 1, message: "the reply stalled"},
		{name: "500 before any 2xx: retried", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"error":{"message":"boom"}}`, 500)
		}, hits: 4, message: "server error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				tt.handler(w, r)
			}))
			defer srv.Close()
			c := New(Config{Provider: "fake", BaseURL: srv.URL + "/v1"})
			var out bytes.Buffer
			reply, err := c.Chat(context.Background(), ChatRequest{Model: "m1", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}},
				CallOptions{Stream: tt.stream, Out: &out, KeepContent: true, Retries: 3, MaxWait: time.Minute,
					StallTimeout: 300 * time.Millisecond, Wait: func(context.Context, time.Duration, string) error { return nil }})
			if n := hits.Load(); n != tt.hits {
				t.Errorf("the provider got %d requests, want %d", n, tt.hits)
			}
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *Error", err)
			}
			if !strings.Contains(ae.Message, tt.message) {
				t.Errorf("message %q, want it to contain %q", ae.Message, tt.message)
			}
			if ae.StreamCut != tt.cut {
				t.Errorf("StreamCut %v, want %v", ae.StreamCut, tt.cut)
			}
			if out.String() != tt.content || reply.Content != tt.content {
				t.Errorf("Out %q, Content %q; want %q", out.String(), reply.Content, tt.content)
			}
		})
	}
}

// TestErrorInA2xxBody: an error object in place of the reply, inside a 200
// (OpenRouter, whose 200 is sent before the upstream runs:
// https://github.com/BerriAI/litellm/pull/21755), is classified alike
// streamed or not, by its code and message as that status would be, and
// like anything after a 2xx never sent again.
func TestErrorInA2xxBody(t *testing.T) {
	body200 := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
		}
	}
	const (
		rateLimited = `{"error":{"message":"Rate limit exceeded: free-models-per-min","code":429},"user_id":"user_x"}`
		noCredit    = `{"error":{"message":"Insufficient credits. Add more using https://openrouter.ai/credits","code":402}}`
		noCode      = `{"error":{"message":"upstream overloaded"}}`
	)
	tests := []struct {
		name    string
		first   http.HandlerFunc // the first request's answer; later ones succeed
		stream  bool
		hits    int64
		class   quota.Class // "" means success
		message string
		content string
	}{
		{name: "not streamed, 429 in the body: rate limited, not sent again", first: body200(rateLimited), hits: 1,
			class: quota.ClassRateLimited, message: "Rate limit exceeded: free-models-per-min"},
		{name: "streamed, 429 in an event: rate limited, not sent again", stream: true, first: stream200(rateLimited), hits: 1,
			class: quota.ClassRateLimited, message: "Rate limit exceeded: free-models-per-min"},
		{name: "not streamed, 402 in the body: exhausted, not retried", first: body200(noCredit), hits: 1,
			class: quota.ClassQuotaExhausted, message: "fake: the credit balance is used up: Insufficient credits"},
		{name: "streamed, 402 in an event: exhausted, not retried", stream: true, first: stream200(noCredit), hits: 1,
			class: quota.ClassQuotaExhausted, message: "fake: the credit balance is used up: Insufficient credits"},
		{name: "not streamed, no code: a server error, not sent again", first: body200(noCode), hits: 1,
			class: quota.ClassServer, message: "fake: error in the reply: upstream overloaded"},
		{name: "streamed, no code before any content: a server error, not sent again", stream: true,
			first: stream200(`{"error":{"message":"overloaded"},"choices":[]}`), hits: 1,
			class: quota.ClassServer, message: "fake: error in the stream: overloaded"},
		{name: "streamed, error after content: not sent again", stream: true,
			first: stream200(`{"choices":[{"delta":{"content":"one "}}]}`, noCode), hits: 1,
			class: quota.ClassServer, message: "fake: error in the stream: upstream overloaded", content: "one "},
		{name: "not streamed, a null error beside the reply: success", first: body200(`{"error":null,"choices":[{"message":{"content":"ok"}}]}`),
			hits: 1, content: "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) == 1 {
					tt.first(w, r)
					return
				}
				if tt.stream {
					w.Header().Set("Content-Type", "text/event-stream")
					for _, word := range []string{"one ", "two ", "three ", "four "} {
						fmt.Fprintf(w, "data: {\"choices\":[{\"delta\":{\"content\":%q}}]}\n\n", word)
					}
					io.WriteString(w, "data: [DONE]\n\n")
					return
				}
				w.Write([]byte(completeBody))
			}))
			defer srv.Close()
			c := New(Config{Provider: "fake", BaseURL: srv.URL + "/v1"})
			var out bytes.Buffer
			reply, err := c.Chat(context.Background(), ChatRequest{Model: "m1"}, CallOptions{Stream: tt.stream, Out: &out,
				Retries: 3, MaxWait: time.Minute, Wait: func(context.Context, time.Duration, string) error { return nil }})
			if n := hits.Load(); n != tt.hits {
				t.Errorf("the provider got %d requests, want %d (err %v)", n, tt.hits, err)
			}
			var ae *Error
			switch {
			case tt.class == "" && err != nil:
				t.Errorf("err = %v, want success", err)
			case tt.class != "" && !errors.As(err, &ae):
				t.Errorf("err = %v, want an *Error of class %s", err, tt.class)
			case tt.class != "":
				if ae.Class != tt.class || !strings.Contains(ae.Message, tt.message) {
					t.Errorf("class %s, message %q; want %s, %q", ae.Class, ae.Message, tt.class, tt.message)
				}
				if reply.Quota == nil || reply.Quota.Class != tt.class {
					t.Errorf("the call's quota result %+v, want class %s", reply.Quota, tt.class)
				}
			}
			if out.String() != tt.content {
				t.Errorf("Out %q, want %q", out.String(), tt.content)
			}
		})
	}
}

// TestPartialContent: the content of a non-streamed reply cut anywhere is
// what arrived of choices[0].message.content, never another member's text.
func TestPartialContent(t *testing.T) {
	tests := []struct{ body, want string }{
		{completeBody, "one two three four"},
		{completeBody[:cutAt], "one two "},
		{`{"choices":[{"message":{"role":"assistant","content":"x\`, "x"},
		{`{"choices":[{"message":{"role":"assistant","content":"x\\`, `x\`},
		{`{"choices":[{"message":{"role":"assistant","content":"caf` + "\xc3", "caf"},
		{`{"content":"not this","choices":[{"message":{"content":"this`, "this"},
		{`{"choices":[{"delta":{"content":"not this"},"message":{"content":"th`, "th"},
		{`{"choices":[{"message":{"content":null}}]}`, ""},
		{`{"choices":[{"message":{"role":"assi`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		if got := partialContent([]byte(tt.body)); got != tt.want {
			t.Errorf("partialContent(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

// TestJitterWithinMaxWait: tier's jitter never makes a wait the provider
// asked for exceed --max-wait: a hint that fits is waited out, the jitter
// cut to what is left; a hint that does not fit is refused.
func TestJitterWithinMaxWait(t *testing.T) {
	tests := []struct {
		retryAfter string
		maxWait    time.Duration
		hits       int64
	}{
		{"2", 2 * time.Second, 2},
		{"2", 10 * time.Second, 2},
		{"3", 2 * time.Second, 1},
	}
	for _, tt := range tests {
		var hits atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hits.Add(1) == 1 {
				w.Header().Set("Retry-After", tt.retryAfter)
				http.Error(w, `{"error":{"message":"slow down"}}`, http.StatusTooManyRequests)
				return
			}
			w.Write([]byte(completeBody))
		}))
		c := New(Config{Provider: "fake", BaseURL: srv.URL + "/v1"})
		var waited time.Duration
		_, err := c.Chat(context.Background(), ChatRequest{Model: "m1"}, CallOptions{Retries: 3, MaxWait: tt.maxWait,
			Wait: func(_ context.Context, d time.Duration, _ string) error { waited += d; return nil }})
		srv.Close()
		if n := hits.Load(); n != tt.hits {
			t.Errorf("Retry-After %s, --max-wait %s: %d requests (err %v), want %d", tt.retryAfter, tt.maxWait, n, err, tt.hits)
		}
		if waited > tt.maxWait {
			t.Errorf("Retry-After %s, --max-wait %s: waited %s", tt.retryAfter, tt.maxWait, waited)
		}
	}
}

// dayDialect names a "per day" requests window whose reset is in seconds.
var dayDialect = &quota.Dialect{Name: "day", Windows: []quota.HeaderWindow{{Metric: "requests", Period: "day",
	Limit: "x-day-limit", Remaining: "x-day-remaining", Reset: "x-day-reset", Format: quota.ResetSeconds}}}

// itpmDialect names Anthropic's input-token bucket (a per-minute window
// whose reset is in seconds here).
var itpmDialect = &quota.Dialect{Name: "itpm", Windows: []quota.HeaderWindow{{Metric: quota.InputTokens, Period: "minute",
	Limit: "x-itpm-limit", Remaining: "x-itpm-remaining", Reset: "x-itpm-reset", Format: quota.ResetSeconds}}}

// status429 answers 429 with the headers kv and the error body.
func status429(body string, kv ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Set(kv[i], kv[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, body)
	}
}

// dnsFailure is a network that knows no such host.
type dnsFailure struct{}

func (dnsFailure) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: r.URL.Hostname(), IsNotFound: true}}
}

// TestRetryDecisions: what tier waits for and what it does not, and what it
// says: a wait is the provider's only when the provider gave one, a day
// limit hit is not backed off from, a window whose stated reset is near is
// waited out whatever it is called, a host that does not exist is not
// tried again, and the watchdog's retries say it was the watchdog.
func TestRetryDecisions(t *testing.T) {
	const samba = `{"error":{"message":"Rate limit exceeded. Violated duration_s: 86400, current usage: 87654, limit: 200000","type":"rate_limit_exceeded","code":"rate_limit_exceeded"}}`
	const plain = `{"error":{"message":"Too many requests"}}`
	tests := []struct {
		name      string
		first     http.HandlerFunc // the first request's answer; later ones succeed
		transport http.RoundTripper
		dialect   *quota.Dialect
		maxWait   time.Duration
		hits      int64
		class     quota.Class // "" means success
		err       []string    // parts of the error message
		notErr    []string    // what the error message must not say
		why       string      // part of the first wait's reason
	}{
		{name: "SambaNova's day token limit hit: quota exhausted, not retried", first: status429(samba),
			maxWait: time.Minute, hits: 1, class: quota.ClassQuotaExhausted,
			err: []string{"Violated duration_s: 86400"}, notErr: []string{"retry could succeed", "credit"}},
		{name: "429 with no time given: tier's backoff, said to be tier's", first: status429(plain),
			maxWait: time.Minute, hits: 2, why: "fake: rate limited (429); the provider gave no time, so tier backs off"},
		{name: "429 with no time given, backoff beyond --max-wait: no promise in tier's name", first: status429(plain),
			maxWait: time.Millisecond, hits: 1, class: quota.ClassRateLimited,
			err: []string{"the provider gave no time to wait", "more than --max-wait 1ms"}, notErr: []string{"could succeed"}},
		{name: "429 with Retry-After beyond --max-wait: the provider's time", first: status429(plain, "Retry-After", "30"),
			maxWait: time.Second, hits: 1, class: quota.ClassRateLimited,
			err: []string{"the provider says a retry could succeed in 30s, more than --max-wait 1s allows"}},
		{name: "a 'per day' window at 0 whose stated reset is 2s away, within --max-wait: waited out",
			first:   status429(plain, "x-day-limit", "100", "x-day-remaining", "0", "x-day-reset", "2"),
			dialect: dayDialect, maxWait: time.Minute, hits: 2, why: "fake: requests per day exhausted; the provider gives its reset as"},
		{name: "a 'per day' window at 0 whose stated reset is 30s away, beyond --max-wait: exhausted, the reset as given",
			first:   status429(plain, "x-day-limit", "100", "x-day-remaining", "0", "x-day-reset", "30"),
			dialect: dayDialect, maxWait: 5 * time.Second, hits: 1, class: quota.ClassQuotaExhausted,
			err: []string{"fake: requests per day exhausted; the provider gives its reset as", "(in 3"}, notErr: []string{"resets in"}},
		{name: "input-token bucket at 0, the message silent on it: the retry names it",
			first:   status429(`{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}`, "Retry-After", "1", "x-itpm-limit", "40000", "x-itpm-remaining", "0", "x-itpm-reset", "40"),
			dialect: itpmDialect, maxWait: time.Minute, hits: 2, why: "fake: rate limited (429, input tokens per minute used up)"},
		{name: "input-token bucket at 0, the wait beyond --max-wait: the refusal names it",
			first:   status429(`{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}`, "Retry-After", "20", "x-itpm-limit", "40000", "x-itpm-remaining", "0", "x-itpm-reset", "40"),
			dialect: itpmDialect, maxWait: time.Second, hits: 1, class: quota.ClassRateLimited,
			err: []string{"fake: rate limited (input tokens per minute used up); the provider says a retry could succeed in 20s, more than --max-wait 1s allows"}},
		{name: "no such host: not retried, names the host and what to check", transport: dnsFailure{},
			maxWait: time.Minute, hits: 0, class: quota.ClassNetwork,
			err: []string{"fake: cannot resolve api.nope.invalid (no such host): check base_url in providers.yaml and the network"}},
		{name: "silence before the headers: the watchdog's retry says so", first: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
		}, maxWait: time.Minute, hits: 2, why: "fake: no data for 200ms (TIER_STALL_TIMEOUT)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) == 1 {
					tt.first(w, r)
					return
				}
				w.Write([]byte(completeBody))
			}))
			defer srv.Close()
			base := srv.URL + "/v1"
			if tt.transport != nil {
				base = "https://api.nope.invalid/v1"
			}
			c := New(Config{Provider: "fake", BaseURL: base, Dialect: tt.dialect, Transport: tt.transport})
			var whys []string
			_, err := c.Chat(context.Background(), ChatRequest{Model: "m1"}, CallOptions{Retries: 3, MaxWait: tt.maxWait,
				StallTimeout: 200 * time.Millisecond,
				Wait:         func(_ context.Context, _ time.Duration, why string) error { whys = append(whys, why); return nil }})
			if n := hits.Load(); n != tt.hits {
				t.Errorf("the provider got %d requests, want %d (err %v, waits %q)", n, tt.hits, err, whys)
			}
			var ae *Error
			switch {
			case tt.class == "" && err != nil:
				t.Errorf("err = %v, want success", err)
			case tt.class != "" && !errors.As(err, &ae):
				t.Errorf("err = %v, want an *Error of class %s", err, tt.class)
			case tt.class != "":
				if ae.Class != tt.class {
					t.Errorf("class %s, want %s (%s)", ae.Class, tt.class, ae.Message)
				}
				for _, s := range tt.err {
					if !strings.Contains(ae.Message, s) {
						t.Errorf("message %q lacks %q", ae.Message, s)
					}
				}
				for _, s := range tt.notErr {
					if strings.Contains(ae.Message, s) {
						t.Errorf("message %q says %q", ae.Message, s)
					}
				}
			}
			if tt.why != "" && (len(whys) == 0 || !strings.Contains(whys[0], tt.why)) {
				t.Errorf("waits %q, want the first to say %q", whys, tt.why)
			}
		})
	}
}
