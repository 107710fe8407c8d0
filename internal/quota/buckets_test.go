package quota

import (
	"testing"
	"time"
)

// Anthropic meters input and output tokens in buckets of their own
// (ITPM, OTPM) besides requests and the combined tokens figure. A 429 is
// often the input bucket at 0 while "tokens" looks healthy.
func TestAnthropicTokenBuckets(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		at        time.Time
		header    map[string][]string
		body      string
		class     Class
		windows   []string
		exhausted string // Key() of Result.Exhausted, "" for nil
		retry     time.Duration
		retryS    float64 // 0: retry_after_s not reported
	}{
		{
			// A real 200 for claude-3-7-sonnet, pasted with curl -i in
			// https://github.com/bespokelabsai/curator/issues/535 (no
			// input-tokens headers were sent that day).
			name: "real 200: requests and output tokens only; absent buckets are not reported", status: 200,
			at: mustTime("2025-02-24T20:38:03Z"),
			header: headers(
				"date", "Mon, 24 Feb 2025 20:38:03 GMT", "content-type", "application/json",
				"anthropic-ratelimit-requests-limit", "4000", "anthropic-ratelimit-requests-remaining", "3999",
				"anthropic-ratelimit-requests-reset", "2025-02-24T20:37:51Z",
				"anthropic-ratelimit-output-tokens-limit", "80000", "anthropic-ratelimit-output-tokens-remaining", "80000",
				"anthropic-ratelimit-output-tokens-reset", "2025-02-24T20:38:03Z",
				"via", "1.1 google", "cf-cache-status", "DYNAMIC", "server", "cloudflare"),
			class: ClassOK,
			windows: []string{
				"requests/minute limit=4000 remaining=3999 reset=2025-02-24T20:37:51Z header",
				"output_tokens/minute limit=80000 remaining=80000 reset=2025-02-24T20:38:03Z header",
			},
		},
		{
			// Header names and values as shown on every response by a user
			// (Burp HTTP history, claude-haiku-4-5, tier 1) and in the
			// documented table https://docs.anthropic.com/en/api/rate-limits#response-headers.
			name: "all four buckets, canonical header names", status: 200,
			header: headers(
				"Anthropic-Ratelimit-Input-Tokens-Limit", "50000", "Anthropic-Ratelimit-Input-Tokens-Remaining", "50000",
				"Anthropic-Ratelimit-Input-Tokens-Reset", "2026-11-21T10:00:01Z",
				"Anthropic-Ratelimit-Output-Tokens-Limit", "10000", "Anthropic-Ratelimit-Output-Tokens-Remaining", "10000",
				"Anthropic-Ratelimit-Output-Tokens-Reset", "2026-11-21T10:00:01Z",
				"Anthropic-Ratelimit-Requests-Limit", "50", "Anthropic-Ratelimit-Requests-Remaining", "49",
				"Anthropic-Ratelimit-Requests-Reset", "2026-11-21T10:00:02Z",
				"Anthropic-Ratelimit-Tokens-Limit", "60000", "Anthropic-Ratelimit-Tokens-Remaining", "60000",
				"Anthropic-Ratelimit-Tokens-Reset", "2026-11-21T10:00:01Z"),
			class: ClassOK,
			windows: []string{
				"requests/minute limit=50 remaining=49 reset=2026-11-21T10:00:02Z header",
				"tokens/minute limit=60000 remaining=60000 reset=2026-11-21T10:00:01Z header",
				"input_tokens/minute limit=50000 remaining=50000 reset=2026-11-21T10:00:01Z header",
				"output_tokens/minute limit=10000 remaining=10000 reset=2026-11-21T10:00:01Z header",
			},
		},
		{
			// The message is a real one (https://github.com/continuedev/continue/issues/9623);
			// the headers are the documented ones with the input bucket at 0,
			// as users describe (https://github.com/anthropics/claude-code/issues/35011).
			name: "429: the input bucket ran out while tokens looks healthy", status: 429,
			header: headers(
				"retry-after", "12",
				"anthropic-ratelimit-requests-limit", "1000", "anthropic-ratelimit-requests-remaining", "998",
				"anthropic-ratelimit-requests-reset", "2026-11-21T10:00:01Z",
				"anthropic-ratelimit-tokens-limit", "38000", "anthropic-ratelimit-tokens-remaining", "8000",
				"anthropic-ratelimit-tokens-reset", "2026-11-21T10:00:12Z",
				"anthropic-ratelimit-input-tokens-limit", "30000", "anthropic-ratelimit-input-tokens-remaining", "0",
				"anthropic-ratelimit-input-tokens-reset", "2026-11-21T10:00:12Z",
				"anthropic-ratelimit-output-tokens-limit", "8000", "anthropic-ratelimit-output-tokens-remaining", "8000",
				"anthropic-ratelimit-output-tokens-reset", "2026-11-21T10:00:00Z"),
			body:  `{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization (c26fc127-ba09-49d3-a086-a2f26380d5e7) of 30,000 input tokens per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later."}}`,
			class: ClassRateLimited,
			windows: []string{
				"requests/minute limit=1000 remaining=998 reset=2026-11-21T10:00:01Z header",
				"tokens/minute limit=38000 remaining=8000 reset=2026-11-21T10:00:12Z header",
				"input_tokens/minute limit=30000 remaining=0 reset=2026-11-21T10:00:12Z header",
				"output_tokens/minute limit=8000 remaining=8000 reset=2026-11-21T10:00:00Z header",
			},
			exhausted: "input_tokens/minute",
			retry:     12 * time.Second, retryS: 12,
		},
		{
			// The output bucket is often the binding one
			// (https://github.com/bespokelabsai/curator/issues/239); a 429
			// with it at 0 and no retry-after waits for that bucket's reset.
			name: "429 with only the output bucket at 0 and no retry-after: wait for its reset", status: 429,
			header: headers(
				"anthropic-ratelimit-output-tokens-limit", "80000", "anthropic-ratelimit-output-tokens-remaining", "0",
				"anthropic-ratelimit-output-tokens-reset", "2026-11-21T10:00:40Z"),
			class:     ClassRateLimited,
			windows:   []string{"output_tokens/minute limit=80000 remaining=0 reset=2026-11-21T10:00:40Z header"},
			exhausted: "output_tokens/minute",
			retry:     40 * time.Second,
		},
		{
			// retry-after on a success is no retry hint: nothing failed.
			name: "retry-after on a 200 is ignored", status: 200,
			header: headers("retry-after", "30", "retry-after-ms", "30000",
				"anthropic-ratelimit-requests-limit", "50", "anthropic-ratelimit-requests-remaining", "49"),
			class:   ClassOK,
			windows: []string{"requests/minute limit=50 remaining=49 header"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.at
			if at.IsZero() {
				at = arrival
			}
			res := Parse(anthropicDialect, Response{Status: tt.status, Header: tt.header, Body: []byte(tt.body), At: at})
			if res.Class != tt.class {
				t.Errorf("class %q, want %q", res.Class, tt.class)
			}
			checkWindows(t, res.Snapshot.Windows, tt.windows)
			switch {
			case tt.exhausted == "" && res.Exhausted != nil:
				t.Errorf("Exhausted = %s, want nil", describe(*res.Exhausted))
			case tt.exhausted != "" && (res.Exhausted == nil || res.Exhausted.Key() != tt.exhausted):
				t.Errorf("Exhausted = %v, want %s", res.Exhausted, tt.exhausted)
			}
			if res.RetryAfter != tt.retry {
				t.Errorf("RetryAfter = %v, want %v", res.RetryAfter, tt.retry)
			}
			switch got := res.Snapshot.RetryAfterS; {
			case tt.retryS == 0 && got != nil:
				t.Errorf("retry_after_s = %v, want not reported", *got)
			case tt.retryS != 0 && (got == nil || *got != tt.retryS):
				t.Errorf("retry_after_s = %v, want %v", got, tt.retryS)
			}
		})
	}
}

// ExhaustedLabel names the bucket that ran out in words a user reads.
func TestExhaustedLabel(t *testing.T) {
	tests := []struct {
		w    Window
		want string
	}{
		{Window{Metric: InputTokens, Period: PeriodMinute}, "input tokens per minute"},
		{Window{Metric: OutputTokens, Period: PeriodMinute}, "output tokens per minute"},
		{Window{Metric: Requests, Period: PeriodDay}, "requests per day"},
		{Window{Metric: Tokens, Period: PeriodUnknown}, "tokens"},
		{Window{Metric: "neurons", Period: PeriodDay}, "neurons per day"},
	}
	for _, tt := range tests {
		if got := tt.w.Label(); got != tt.want {
			t.Errorf("%s: Label() = %q, want %q", tt.w.Key(), got, tt.want)
		}
	}
}

// RanOut names the bucket behind a rate limit only when the provider's
// message does not, and only for a rate limit.
func TestRanOut(t *testing.T) {
	zero := int64(0)
	input := &Window{Metric: InputTokens, Period: PeriodMinute, Remaining: &zero}
	tests := []struct {
		name string
		r    Result
		want string
	}{
		{"the message is silent", Result{Class: ClassRateLimited, Exhausted: input, Message: "Rate limited"}, "input tokens per minute"},
		{"no message at all", Result{Class: ClassRateLimited, Exhausted: input}, "input tokens per minute"},
		{"the message names it", Result{Class: ClassRateLimited, Exhausted: input,
			Message: "This request would exceed the rate limit for your organization of 20,000 Input Tokens per minute."}, ""},
		{"nothing at 0", Result{Class: ClassRateLimited, Message: "Rate limited"}, ""},
		{"no rate limit", Result{Class: ClassQuotaExhausted, Exhausted: input}, ""},
	}
	for _, tt := range tests {
		if got := tt.r.RanOut(); got != tt.want {
			t.Errorf("%s: RanOut() = %q, want %q", tt.name, got, tt.want)
		}
	}
}
