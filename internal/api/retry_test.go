package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
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
