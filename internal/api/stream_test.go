package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

// flushRecorder is an Out that only shows what was flushed.
type flushRecorder struct {
	mu      sync.Mutex
	pending bytes.Buffer
	flushed bytes.Buffer
}

func (f *flushRecorder) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pending.Write(p)
}

func (f *flushRecorder) Flush() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending.WriteTo(&f.flushed)
	return nil
}

func (f *flushRecorder) seen() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.flushed.String()
}

// TestStreamFlushesBeforeWaiting: every token that arrived is flushed to
// Out before tier waits for more from the network, whatever the framing
// (a blank line after each event, or none), so that a reader sees it while
// the provider is still thinking.
func TestStreamFlushesBeforeWaiting(t *testing.T) {
	fake := fakeprovider.New(fakeprovider.OpenAI, fakeprovider.Step{Reply: "first second third", StallAfter: 2})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := New(Config{Provider: "fake", BaseURL: srv.URL + "/v1"})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &flushRecorder{}
	done := make(chan error, 1)
	go func() {
		_, err := c.Chat(ctx, ChatRequest{Model: "m1", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}},
			CallOptions{Stream: true, Out: out})
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for out.seen() != "first second " {
		if time.Now().After(deadline) {
			t.Fatalf("while the stream stalls, Out shows %q flushed, want %q", out.seen(), "first second ")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Chat returned %v after cancel, want context.Canceled", err)
	}
}

// TestWireRequestTemperature: an explicit temperature is sent even when it
// is 0; no temperature leaves the member out (the provider's default).
func TestWireRequestTemperature(t *testing.T) {
	zero, half := float32(0), float32(0.5)
	tests := []struct {
		temp *float32
		want string // "" means absent
	}{
		{nil, ""},
		{&zero, `"temperature":0`},
		{&half, `"temperature":0.5`},
	}
	c := New(Config{Provider: "fake", BaseURL: "http://127.0.0.1:1/v1"})
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			b, err := json.Marshal(c.wireRequest(ChatRequest{Model: "m1", Temperature: tt.temp}, stream))
			if err != nil {
				t.Fatal(err)
			}
			got := string(b)
			if tt.want == "" && strings.Contains(got, "temperature") || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("temperature %v, stream %v: body %s, want %q", tt.temp, stream, got, tt.want)
			}
			if strings.Count(got, "temperature") > 1 {
				t.Errorf("two temperature members: %s", got)
			}
		}
	}
}

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, syscall.EPIPE
	}
	f.n -= len(p)
	return len(p), nil
}

// TestStreamStopsWhenOutputFails: when Out fails (stdout closed under
// tier), the stream is abandoned at once with an *OutputError, not read to
// its end and not retried, and the reply counts as written.
func TestStreamStopsWhenOutputFails(t *testing.T) {
	fake := fakeprovider.New(fakeprovider.OpenAI, fakeprovider.Step{Reply: "one two three four five", Interval: 100 * time.Millisecond})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := New(Config{Provider: "fake", BaseURL: srv.URL + "/v1"})
	start := time.Now()
	reply, err := c.Chat(context.Background(), ChatRequest{Model: "m1", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}},
		CallOptions{Stream: true, Out: &failWriter{n: 4}, Retries: 3, MaxWait: time.Minute})
	var oe *OutputError
	if !errors.As(err, &oe) || !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("err = %v, want an *OutputError wrapping EPIPE", err)
	}
	if !reply.Wrote || reply.Attempts != 1 {
		t.Errorf("Wrote %v, Attempts %d; want true, 1", reply.Wrote, reply.Attempts)
	}
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Errorf("took %s: the stream was read on after the output failed", d)
	}
}
