package chat

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
)

func TestLimitsCheck(t *testing.T) {
	f := func(v float32) *float32 { return &v }
	tests := []struct {
		name string
		l    Limits
		want string // "" ok, else a part of the message
	}{
		{"defaults", Limits{Retries: 3, MaxWait: 90 * time.Second}, ""},
		{"temperature 0 and 2", Limits{Temperature: f(2)}, ""},
		{"negative retries", Limits{Retries: -1}, "--retries and --max-wait"},
		{"negative wait", Limits{MaxWait: -time.Second}, "--retries and --max-wait"},
		{"negative tokens", Limits{MaxTokens: -5}, "--max-tokens"},
		{"hot", Limits{Temperature: f(2.5)}, "between 0 and 2 (got 2.5)"},
		{"NaN", Limits{Temperature: f(float32(math.NaN()))}, "--temperature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.l.Check()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Check() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Check() = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestModel(t *testing.T) {
	p := &catalog.Profile{Name: "groq", DefaultModel: "llama"}
	if m, err := Model(p, ""); m != "llama" || err != nil {
		t.Errorf("Model(default) = %q, %v", m, err)
	}
	if m, err := Model(p, "qwen"); m != "qwen" || err != nil {
		t.Errorf("Model(given) = %q, %v", m, err)
	}
	if _, err := Model(&catalog.Profile{Name: "x"}, ""); err == nil || !strings.Contains(err.Error(), "pass -m MODEL") {
		t.Errorf("Model(none) = %v, want an error naming -m", err)
	}
}
