package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// streamHandler sends n one-token chunks, as a fast local server would.
type streamHandler struct{ n int }

func (h streamHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	chunk := []byte(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"tok "},"finish_reason":null}]}` + "\n\n")
	for i := 0; i < h.n; i++ {
		w.Write(chunk)
	}
	io.WriteString(w, `data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`+"\n\ndata: [DONE]\n\n")
}

// BenchmarkStream measures tier's side of streaming with the server in
// process (through an io.Pipe, which dominates ns/token here). allocs/op
// must not grow with the tokens: cost linear in output length.
func BenchmarkStream(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("tokens=%d", n), func(b *testing.B) {
			c := New(Config{Provider: "bench", BaseURL: "http://bench.invalid/v1", Transport: handlerTransport{h: streamHandler{n}}})
			req := ChatRequest{Model: "m"}
			b.ReportAllocs()
			for b.Loop() {
				reply, err := c.Chat(context.Background(), req, CallOptions{Stream: true, Out: io.Discard})
				if err != nil || reply.FinishReason != "stop" {
					b.Fatal(err, reply)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/token")
		})
	}
}
