package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tier-cli/tier/internal/quota"
)

// A key that cannot be put in an Authorization header is a key problem:
// refused before any request (so never retried), classed auth, and never
// quoted in the error.
func TestKeyWithControlCharacters(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		refused bool
	}{
		{name: "plain key", key: "test-key-good-0001"},
		{name: "trailing newline pasted with it", key: "test-key-good-0001\n", refused: true},
		{name: "line break inside", key: "test-key\r\ngood-0001", refused: true},
		{name: "NUL", key: "test-key-good\x000001", refused: true},
		{name: "DEL", key: "test-key-good\x7f0001", refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`))
			}))
			defer srv.Close()
			c := New(Config{Provider: "fake", BaseURL: srv.URL + "/v1", Key: tt.key})
			_, err := c.Chat(context.Background(), ChatRequest{Model: "m"}, CallOptions{Retries: 3})
			if !tt.refused {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Class != quota.ClassAuth {
				t.Fatalf("err = %#v, want an auth Error", err)
			}
			if hits.Load() != 0 {
				t.Errorf("%d requests reached the server, want 0", hits.Load())
			}
			if strings.Contains(ae.Message, "test-key") || strings.Contains(ae.Message, "0001") {
				t.Errorf("message %q quotes the key", ae.Message)
			}
		})
	}
}
