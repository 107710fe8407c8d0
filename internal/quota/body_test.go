package quota

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Error bodies as documented in providers-reference.md ("Errors" sections).
// Numbers marked illustrative there are illustrative here too.
const (
	openAITPMBody = `{"error":{"message":"Rate limit reached for gpt-4o in organization org-test on tokens per min (TPM): Limit 30000, Used 29937, Requested 385. Please try again in 644ms. Visit https://platform.openai.com/account/rate-limits to learn more.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`
	groqTPDBody   = `{"error":{"message":"Rate limit reached for model ` + "`llama-3.3-70b-versatile`" + ` in organization ` + "`org_test`" + ` service tier ` + "`on_demand`" + ` on tokens per day (TPD): Limit 100000, Used 97050, Requested 3619. Please try again in 9m38.016s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing","type":"tokens","code":"rate_limit_exceeded"}}`
	groqRPDBody   = `{"error":{"message":"Rate limit reached for model ` + "`llama-3.1-8b-instant`" + ` in organization ` + "`org_test`" + ` on requests per day (RPD): Limit 14400, Used 14400, Requested 1. Please try again in 1m26.4s.","type":"requests","code":"rate_limit_exceeded"}}`
	openAIQuota   = `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`
	geminiRPMBody = `[{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details. Please retry in 31.2s.","status":"RESOURCE_EXHAUSTED","details":[` +
		`{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier","quotaDimensions":{"location":"global","model":"gemini-2.0-flash"},"quotaValue":"15"}]},` +
		`{"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Learn more","url":"https://ai.google.dev/gemini-api/docs/rate-limits"}]},` +
		`{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"31s"}]}}]`
	geminiRPDBody = `{"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED","details":[` +
		`{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[` +
		`{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier","quotaValue":200},` +
		`{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_input_token_count","quotaId":"GenerateContentInputTokensPerModelPerMinute-FreeTier","quotaValue":"250000"}]},` +
		`{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2.5s"}]}}`
	openRouterDayBody = `{"error":{"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day","code":429,"metadata":{"headers":{"X-RateLimit-Limit":"50","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"1795305600000"},"provider_name":null}},"user_id":"user_test"}`
	openRouterMinBody = `{"error":{"message":"Rate limit exceeded: free-models-per-min. ","code":429,"metadata":{"headers":{"x-ratelimit-limit":20,"x-ratelimit-remaining":0,"x-ratelimit-reset":1795255260000}}}}`
	openRouterCredits = `{"error":{"code":402,"message":"This request requires more credits, or fewer max_tokens.","metadata":{"limit_source":"openrouter_credits"}}}`
	openRouterKeyCap  = `{"error":{"code":403,"message":"Key limit exceeded (total limit). Manage it using https://openrouter.ai/settings/keys","metadata":{"limit_source":"openrouter_key_limit"}}}`
	sambaNovaTPDBody  = `{"error":{"message":"Rate limit exceeded. Violated duration_s: 86400, current usage: 87654, limit: 200000","type":"rate_limit_exceeded","param":null,"code":"rate_limit_exceeded"},"request_id":"req-test-0001"}`
	sambaNovaTPDOut   = `{"error":{"message":"Rate limit exceeded. Violated duration_s: 86400, current usage: 200150, limit: 200000","type":"rate_limit_exceeded","param":null,"code":"rate_limit_exceeded"}}`
	sambaNova402Body  = `{"error":{"message":"A payment method is required.","type":"PAYMENT_METHOD_REQUIRED","code":"PAYMENT_METHOD_REQUIRED","balance_units":0}}`
	deepSeek402Body   = `{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}`
	cloudflareBody    = `{"errors":[{"message":"AiError: AiError: you have used up your daily free allocation of 10,000 neurons, please upgrade to Cloudflare's Workers Paid plan if you would like to continue usage. (a1b2c3d4)","code":4006}],"success":false,"result":{},"messages":[]}`
	cerebrasRPMBody   = `{"message":"Requests per minute limit exceeded - too many requests sent.","type":"too_many_requests_error","param":"quota","code":"request_quota_exceeded"}`
	cerebrasTPMBody   = `{"message":"Tokens per minute limit exceeded - too many tokens processed.","type":"too_many_requests_error","param":"quota","code":"request_quota_exceeded"}`
	cerebrasTPDBody   = `{"message":"Tokens per day limit exceeded - too many tokens processed.","type":"too_many_requests_error","param":"quota","code":"request_quota_exceeded"}`
	togetherReprBody  = `Error code: 429 - {'message': 'You have been rate limited. Your rate limit is 60 queries per minute. Please navigate to https://api.together.xyz/settings/billing to add credits or upgrade your plan.', 'type': 'credit_limit', 'param': None, 'code': None}`
	hfCreditsBody     = `{"error":"You have exceeded your monthly included credits for Inference Providers. Subscribe to PRO to get 20x more monthly included credits."}`
	nvidiaBody        = `{"status":429,"title":"Too Many Requests"}`
	truncatedBody     = `{"error":{"message":"Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.","type":"requ`
	htmlBody          = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)

func TestParseErrorBodies(t *testing.T) {
	tests := []struct {
		name    string
		dialect *Dialect
		status  int
		header  map[string][]string
		body    string

		class     Class
		windows   []string
		exhausted string        // Key() of Result.Exhausted, "" for nil
		retry     time.Duration // Result.RetryAfter
		retryS    float64       // Snapshot.RetryAfterS; 0 means nil
		creditOut bool          // Credit{Remaining: 0, Source: "error"}
		message   string        // "" means: not checked
		noMessage bool          // Message must be empty
	}{
		{
			name: "OpenAI 429 tokens per min (TPM)", status: 429, body: openAITPMBody,
			class:   ClassRateLimited,
			windows: []string{"tokens/minute limit=30000 remaining=63 reset=2026-11-21T10:00:01Z error"},
			retry:   644 * time.Millisecond, retryS: 0.644,
			message: "Rate limit reached for gpt-4o in organization org-test on tokens per min (TPM): Limit 30000, Used 29937, Requested 385. Please try again in 644ms. Visit https://platform.openai.com/account/rate-limits to learn more.",
		},
		{
			name: "Groq 429 tokens per day (TPD) with too few tokens left: rate limited, retry in 9m38s", status: 429, body: groqTPDBody,
			class:   ClassRateLimited,
			windows: []string{"tokens/day limit=100000 remaining=2950 reset=2026-11-21T10:09:39Z error"},
			retry:   9*time.Minute + 38016*time.Millisecond, retryS: 578.016,
		},
		{
			name: "Groq 429 requests per day (RPD) used up: quota exhausted", status: 429, body: groqRPDBody,
			class:     ClassQuotaExhausted,
			windows:   []string{"requests/day limit=14400 remaining=0 reset=2026-11-21T10:01:27Z error"},
			exhausted: "requests/day",
			retry:     86400 * time.Millisecond, retryS: 86.4,
		},
		{
			name: "OpenAI 429 insufficient_quota: quota exhausted, no credit figure", status: 429, body: openAIQuota,
			class:   ClassQuotaExhausted,
			message: "You exceeded your current quota, please check your plan and billing details.",
		},
		{
			name: "Gemini 429 wrapped in an array, per-minute quota: RetryInfo wins over the message", status: 429, body: geminiRPMBody,
			class:     ClassRateLimited,
			windows:   []string{"requests/minute limit=15 remaining=0 error"},
			exhausted: "requests/minute",
			retry:     31 * time.Second, retryS: 31,
			message: "You exceeded your current quota, please check your plan and billing details. Please retry in 31.2s.",
		},
		{
			name: "Gemini 429 per-day quota resets at midnight Pacific", status: 429, body: geminiRPDBody,
			dialect: &Dialect{Name: "gemini", DayResetTZ: "America/Los_Angeles"},
			class:   ClassQuotaExhausted,
			windows: []string{
				"requests/day limit=200 remaining=0 reset=2026-11-22T08:00:00Z error",
				"tokens/minute limit=250000 remaining=0 error",
			},
			exhausted: "requests/day",
			retry:     2500 * time.Millisecond, retryS: 2.5,
		},
		{
			name: "OpenRouter 429 free-models-per-day: headers copied into the body", status: 429, body: openRouterDayBody,
			class:     ClassQuotaExhausted,
			windows:   []string{"requests/day limit=50 remaining=0 reset=2026-11-22T00:00:00Z error"},
			exhausted: "requests/day",
			retry:     14 * time.Hour, // until the reset: no Retry-After given
		},
		{
			name: "OpenRouter 429 free-models-per-min: lower-case names, numbers not strings", status: 429, body: openRouterMinBody,
			class:     ClassRateLimited,
			windows:   []string{"requests/minute limit=20 remaining=0 reset=2026-11-21T10:01:00Z error"},
			exhausted: "requests/minute",
			retry:     time.Minute,
		},
		{
			name: "OpenRouter 429 with the same figures in real headers: one window, header values", status: 429, body: openRouterDayBody,
			dialect:   openRouterDialect,
			header:    headers("X-RateLimit-Limit", "50", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1795305600000", "Retry-After", "60"),
			class:     ClassQuotaExhausted,
			windows:   []string{"requests/day limit=50 remaining=0 reset=2026-11-22T00:00:00Z header"},
			exhausted: "requests/day",
			retry:     time.Minute, retryS: 60,
		},
		{
			name: "OpenRouter 429 limit_rpm/<model>/<id>: per minute", status: 429,
			body:      `{"error":{"message":"Rate limit exceeded: limit_rpm/google/gemma-3-27b-it/0000-test","code":429,"metadata":{"headers":{"X-RateLimit-Limit":"20","X-RateLimit-Remaining":"0"}}}}`,
			class:     ClassRateLimited,
			windows:   []string{"requests/minute limit=20 remaining=0 error"},
			exhausted: "requests/minute",
		},
		{
			name: "OpenRouter 429 whose message names no window: period unknown", status: 429,
			body:      `{"error":{"message":"Rate limit exceeded","code":429,"metadata":{"headers":{"X-RateLimit-Limit":"20","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"not-a-time"}}}}`,
			class:     ClassRateLimited,
			windows:   []string{"requests/unknown limit=20 remaining=0 error"},
			exhausted: "requests/unknown",
		},
		{
			name: "OpenRouter 402 limit_source openrouter_credits, balance empty", status: 402,
			body:  `{"error":{"code":402,"message":"Insufficient credits. Add more using https://openrouter.ai/settings/credits","metadata":{"limit_source":"openrouter_credits"}}}`,
			class: ClassQuotaExhausted, creditOut: true,
		},
		{
			name: "OpenRouter 402 more credits or fewer max_tokens: exhausted for this request, but the balance is not 0", status: 402, body: openRouterCredits,
			class: ClassQuotaExhausted,
		},
		{
			name: "OpenRouter 402 can only afford N tokens: no credit figure", status: 402,
			body:  `{"error":{"code":402,"message":"This request requires more credits, or fewer max_tokens. You requested up to 16384 tokens, but can only afford 9011.","metadata":{"limit_source":"openrouter_credits"}}}`,
			class: ClassQuotaExhausted,
		},
		{
			name: "OpenRouter 402 openrouter_in_flight_budget: transient, retried after Retry-After", status: 402,
			body:  `{"error":{"code":402,"message":"Too many requests in flight for your budget","metadata":{"limit_source":"openrouter_in_flight_budget"}}}`,
			class: ClassRateLimited,
		},
		{
			name: "OpenRouter 403 limit_source openrouter_key_limit: quota, not auth", status: 403, body: openRouterKeyCap,
			class: ClassQuotaExhausted,
		},
		{
			name: "SambaNova 429 Violated duration_s 86400 (documented sample): the day limit was hit, quota exhausted", status: 429, body: sambaNovaTPDBody,
			class:   ClassQuotaExhausted,
			windows: []string{"tokens/day limit=200000 remaining=112346 error"},
		},
		{
			name: "SambaNova 429 daily tokens used up: quota exhausted", status: 429, body: sambaNovaTPDOut,
			class:     ClassQuotaExhausted,
			windows:   []string{"tokens/day limit=200000 remaining=0 error"},
			exhausted: "tokens/day",
		},
		{
			name: "SambaNova duration_s 3600 is an hour, 120 is no known period", status: 429,
			body:      `Violated duration_s: 3600, current usage: 10, limit: 5 / Violated duration_s: 120, current usage: 1, limit: 9`,
			class:     ClassRateLimited, // an hour window at 0 is a rate limit: it refills within the hour
			windows:   []string{"tokens/hour limit=5 remaining=0 error", "tokens/unknown limit=9 remaining=8 error"},
			exhausted: "tokens/hour",
		},
		{
			name: "SambaNova 402 PAYMENT_METHOD_REQUIRED, balance_units 0", status: 402, body: sambaNova402Body,
			class: ClassQuotaExhausted, creditOut: true,
			message: "A payment method is required.",
		},
		{
			name: "DeepSeek 402 Insufficient Balance", status: 402, body: deepSeek402Body,
			class: ClassQuotaExhausted, creditOut: true, message: "Insufficient Balance",
		},
		{
			name: "Cloudflare 429 code 4006: daily free allocation of 10,000 neurons, reset 00:00 UTC", status: 429, body: cloudflareBody,
			dialect:   &Dialect{Name: "cloudflare", DayResetTZ: "UTC"},
			class:     ClassQuotaExhausted,
			windows:   []string{"neurons/day limit=10000 remaining=0 reset=2026-11-22T00:00:00Z error"},
			exhausted: "neurons/day",
			retry:     14 * time.Hour,
			message:   "AiError: AiError: you have used up your daily free allocation of 10,000 neurons, please upgrade to Cloudflare's Workers Paid plan if you would like to continue usage. (a1b2c3d4)",
		},
		{
			name: "Cerebras 429 flat body, requests per minute", status: 429, body: cerebrasRPMBody,
			class:     ClassRateLimited,
			windows:   []string{"requests/minute remaining=0 error"},
			exhausted: "requests/minute",
			message:   "Requests per minute limit exceeded - too many requests sent.",
		},
		{
			name: "Cerebras 429 tokens per minute, with its headers: merged, header values win", status: 429, body: cerebrasTPMBody,
			dialect: cerebrasDialect,
			header: headers("x-ratelimit-limit-tokens-minute", "60000", "x-ratelimit-remaining-tokens-minute", "0",
				"x-ratelimit-reset-tokens-minute", "11.382867097854614"),
			class:     ClassRateLimited,
			windows:   []string{"tokens/minute limit=60000 remaining=0 reset=2026-11-21T10:00:12Z header"},
			exhausted: "tokens/minute",
			retry:     12 * time.Second,
		},
		{
			name: "Cerebras 429 tokens per day: quota exhausted", status: 429, body: cerebrasTPDBody,
			class:     ClassQuotaExhausted,
			windows:   []string{"tokens/day remaining=0 error"},
			exhausted: "tokens/day",
		},
		{
			name: "Cerebras 429 requests per hour", status: 429,
			body:      `{"message":"Requests per hour limit exceeded - too many requests sent.","type":"too_many_requests_error","param":"quota","code":"request_quota_exceeded"}`,
			class:     ClassRateLimited,
			windows:   []string{"requests/hour remaining=0 error"},
			exhausted: "requests/hour",
		},
		{
			name: "Gemini message without RetryInfo: Please retry in 31.2s", status: 429,
			body:  `{"error":{"code":429,"message":"You exceeded your current quota. Please retry in 31.2s.","status":"RESOURCE_EXHAUSTED"}}`,
			class: ClassRateLimited,
			retry: 31200 * time.Millisecond, retryS: 31.2,
			message: "You exceeded your current quota. Please retry in 31.2s.",
		},
		{
			name: "Together 429 as Python repr, type credit_limit: still only a rate limit", status: 429, body: togetherReprBody,
			class:     ClassRateLimited,
			windows:   []string{"requests/minute limit=60 remaining=0 error"},
			exhausted: "requests/minute",
			message:   "You have been rate limited. Your rate limit is 60 queries per minute. Please navigate to https://api.together.xyz/settings/billing to add credits or upgrade your plan.",
		},
		{
			name: "Hugging Face 402 monthly included credits", status: 402, body: hfCreditsBody,
			class: ClassQuotaExhausted, creditOut: true,
			message: "You have exceeded your monthly included credits for Inference Providers. Subscribe to PRO to get 20x more monthly included credits.",
		},
		{
			name: "Hugging Face credits message on a 429: quota exhausted", status: 429, body: hfCreditsBody,
			class: ClassQuotaExhausted, creditOut: true,
		},
		{
			name: "NVIDIA 429 problem+json: no numbers", status: 429, body: nvidiaBody,
			class: ClassRateLimited, message: "Too Many Requests",
		},
		{
			name: "truncated JSON: message and numbers still read", status: 429, body: truncatedBody,
			class:     ClassRateLimited,
			windows:   []string{"requests/minute limit=3 remaining=0 reset=2026-11-21T10:00:20Z error"},
			exhausted: "requests/minute",
			retry:     20 * time.Second, retryS: 20,
			message: "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
		},
		{
			name: "HTML 502 page: the title is the message", status: 502, body: htmlBody,
			class: ClassServer, message: "502 Bad Gateway",
		},
		{
			name: "plain text on two lines becomes one line", status: 503, body: "upstream connect error\nor disconnect/reset before headers",
			class: ClassServer, message: "upstream connect error or disconnect/reset before headers",
		},
		{
			name: "empty 429", status: 429, body: "",
			class: ClassRateLimited, noMessage: true,
		},
		{
			name: "2xx bodies are not read", status: 200, body: deepSeek402Body,
			class: ClassOK, noMessage: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Parse(tt.dialect, Response{Status: tt.status, Header: tt.header, Body: []byte(tt.body), At: arrival})
			if res.Class != tt.class {
				t.Errorf("class %q, want %q", res.Class, tt.class)
			}
			checkWindows(t, res.Snapshot.Windows, tt.windows)
			checkWholeUTC(t, res.Snapshot)
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
			c := res.Snapshot.Credit
			switch {
			case !tt.creditOut && c != nil:
				t.Errorf("credit = %+v, want not reported", *c)
			case tt.creditOut && (c == nil || c.Remaining == nil || *c.Remaining != 0 || c.Source != SourceError || c.Granted != nil):
				t.Errorf("credit = %+v, want {remaining 0, source error}", c)
			}
			if tt.message != "" && res.Message != tt.message {
				t.Errorf("message:\n got  %q\n want %q", res.Message, tt.message)
			}
			if tt.noMessage && res.Message != "" {
				t.Errorf("message %q, want none", res.Message)
			}
		})
	}
}

func TestMessageIsOneShortLine(t *testing.T) {
	long := `{"error":{"message":"` + strings.Repeat("too many\\nrequests ", 100) + `"}}`
	res := Parse(nil, Response{Status: 429, Body: []byte(long), At: arrival})
	if n := utf8.RuneCountInString(res.Message); n > maxMessage {
		t.Errorf("message is %d runes, want at most %d", n, maxMessage)
	}
	if strings.ContainsAny(res.Message, "\n\r\t") {
		t.Errorf("message %q spans lines", res.Message)
	}
	if !strings.HasPrefix(res.Message, "too many requests too many") || !strings.HasSuffix(res.Message, "…") {
		t.Errorf("message %q: want the start of the text, cut with an ellipsis", res.Message)
	}
}

// A body proxied by another provider (OpenRouter's metadata.raw holds the
// upstream's own error) still yields the upstream's numbers.
func TestProxiedBody(t *testing.T) {
	body := `{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"{\"error\":{\"message\":\"Rate limit reached for model ` +
		"`llama-3.1-8b-instant`" + ` on tokens per minute (TPM): Limit 6000, Used 5900, Requested 200. Please try again in 1s.\",\"type\":\"tokens\"}}","provider_name":"Groq"}}}`
	res := Parse(nil, Response{Status: 429, Body: []byte(body), At: arrival})
	checkWindows(t, res.Snapshot.Windows, []string{"tokens/minute limit=6000 remaining=100 reset=2026-11-21T10:00:01Z error"})
	// "Provider returned error" alone says nothing: the upstream's own
	// message follows it.
	if want := "Provider returned error: Rate limit reached for model `llama-3.1-8b-instant` on tokens per minute (TPM): Limit 6000, Used 5900, Requested 200. Please try again in 1s."; res.Message != want {
		t.Errorf("message %q, want %q", res.Message, want)
	}
}

// BenchmarkParseErrorBody: a Gemini 429 (JSON array, details, regexes).
func BenchmarkParseErrorBody(b *testing.B) {
	r := Response{Status: 429, Body: []byte(geminiRPMBody), At: arrival}
	b.ReportAllocs()
	for b.Loop() {
		Parse(nil, r)
	}
}
