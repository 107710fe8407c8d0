package api

import (
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/quota"
)

// A refused key's message points at where the key came from: fixing the
// keyring does not help while an environment variable wins over it.
func TestRefusedKeyMessageNamesItsSource(t *testing.T) {
	tests := []struct{ source, want string }{
		{"env:GROQ_API_KEY", "groq refused the key from GROQ_API_KEY (Invalid API Key): fix that variable, or unset it"},
		{"cmd", "groq refused the key printed by its key_cmd (Invalid API Key)"},
		{"keyring", "groq refused the key (Invalid API Key): check it with 'tier keys test groq' or set a new one with 'tier keys set groq'"},
		{"", "check it with 'tier keys test groq'"},
	}
	for _, tc := range tests {
		c := New(Config{Provider: "groq", KeySource: tc.source})
		got := c.message(&quota.Result{Class: quota.ClassAuth, Message: "Invalid API Key"})
		if !strings.Contains(got, tc.want) {
			t.Errorf("source %q: %q does not contain %q", tc.source, got, tc.want)
		}
	}
}

// A 429 says which bucket ran out when the provider's message does not:
// Anthropic's input-token bucket can be at 0 while "tokens" looks healthy.
func TestRateLimitedMessageNamesTheBucket(t *testing.T) {
	zero := int64(0)
	input := &quota.Window{Metric: quota.InputTokens, Period: quota.PeriodMinute, Remaining: &zero}
	tests := []struct {
		name      string
		msg       string
		exhausted *quota.Window
		want      string
	}{
		{"the bucket is named", "Number of request tokens has exceeded your per-minute rate limit", input,
			"anthropic: rate limited (input tokens per minute used up): Number of request tokens has exceeded your per-minute rate limit"},
		{"the provider already says it", "This request would exceed the rate limit for your organization of 20,000 input tokens per minute.", input,
			"anthropic: rate limited: This request would exceed the rate limit for your organization of 20,000 input tokens per minute."},
		{"nothing known to be at 0", "Rate limit exceeded", nil, "anthropic: rate limited: Rate limit exceeded"},
	}
	for _, tt := range tests {
		c := New(Config{Provider: "anthropic"})
		got := c.message(&quota.Result{Class: quota.ClassRateLimited, Message: tt.msg, Exhausted: tt.exhausted})
		if got != tt.want {
			t.Errorf("%s:\n got  %q\n want %q", tt.name, got, tt.want)
		}
	}
}

// When the account or the money ran out, the message says so in tier's
// words before the provider's own.
func TestExhaustedMessageSaysWhatRanOut(t *testing.T) {
	tests := []struct{ reason, msg, want string }{
		{"the credit left pays for at most 9011 tokens: a smaller --max-tokens (9011 or less) would fit",
			"This request requires more credits, or fewer max_tokens.",
			"openrouter: the credit left pays for at most 9011 tokens: a smaller --max-tokens (9011 or less) would fit: This request requires more credits, or fewer max_tokens."},
		{"", "Insufficient Balance", "openrouter: quota or credit exhausted: Insufficient Balance"},
	}
	for _, tt := range tests {
		c := New(Config{Provider: "openrouter"})
		got := c.message(&quota.Result{Class: quota.ClassQuotaExhausted, Message: tt.msg, Reason: tt.reason})
		if got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}
