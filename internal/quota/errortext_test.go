package quota

import (
	"strings"
	"testing"
	"time"
)

// Limits named only in an error's text, in the phrasings providers use.
// Each sample is a real body pasted in a public issue (URL next to it),
// trimmed only where marked. A limit with no "used" has no remaining: only
// what the text says is read.
func TestLimitsInErrorText(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		class     Class
		windows   []string
		exhausted string
		retry     time.Duration
		message   string // "" means: not checked
		msgPrefix bool   // message is only the start (Message is cut at 300 runes)
	}{
		{
			// https://github.com/feder-cr/invisible_playwright_mcp/issues/109 (Python repr)
			name: "OpenAI RPD as a Python dict repr, retry 7m12s", status: 429,
			body:      `openai.RateLimitError: Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o-mini in organization org-xxxxxxxxx on requests per day (RPD): Limit 200, Used 200, Requested 1. Please try again in 7m12s. Visit https://platform.openai.com/account/rate-limits to learn more. You can increase your rate limit by adding a payment method to your account at https://platform.openai.com/account/billing.', 'type': 'requests', 'param': None, 'code': 'rate_limit_exceeded'}}`,
			class:     ClassQuotaExhausted,
			windows:   []string{"requests/day limit=200 remaining=0 reset=2026-11-21T10:07:12Z error"},
			exhausted: "requests/day",
			retry:     7*time.Minute + 12*time.Second,
			message:   "Rate limit reached for gpt-4o-mini in organization org-xxxxxxxxx on requests per day (RPD): Limit 200, Used 200, Requested 1. Please try again in 7m12s.", msgPrefix: true,
		},
		{
			// https://github.com/gofireflyio/aiac/issues/21 (OpenAI, 2023 wording)
			name: "OpenAI old wording: Limit: N / min, Current: M / min, with decimals", status: 429,
			body:      `{"error":{"message":"Rate limit reached for default-text-davinci-003 in organization org-mdLxX2PcWp5fsPwZXFbdHNdI on tokens per min. Limit: 150000.000000 / min. Current: 152160.000000 / min. Contact support@openai.com if you continue to have issues.","type":"tokens","param":null,"code":null}}`,
			class:     ClassRateLimited,
			windows:   []string{"tokens/minute limit=150000 remaining=0 error"},
			exhausted: "tokens/minute",
		},
		{
			// The "Limit: N / day" form of the same wording, as quoted in
			// the quota-fidelity issue; no current usage given.
			name: "OpenAI old wording: Limit: 200 / day with no current", status: 429,
			body:    `{"error":{"message":"Rate limit reached for default-gpt-3.5-turbo in organization org-test on requests per day. Limit: 200 / day. Please try again in 7m12s.","type":"requests","param":null,"code":null}}`,
			class:   ClassRateLimited,
			windows: []string{"requests/day limit=200 error"},
			retry:   7*time.Minute + 12*time.Second,
		},
		{
			// https://github.com/ITSpecialist111/ai_automation_suggester/issues/61
			name: "Groq request too large: Limit N, Requested M, no Used", status: 413,
			body:    `{"error":{"message":"Request too large for model ` + "`llama-3.3-70b-versatile`" + ` in organization ` + "`org_01jp8byqwpfx9sp1m0dbhb6a1e`" + ` service tier ` + "`on_demand`" + ` on tokens per minute (TPM): Limit 6000, Requested 14810, please reduce your message size and try again. Visit https://console.groq.com/docs/rate-limits for more information.","type":"tokens","code":"rate_limit_exceeded"}}`,
			class:   ClassInvalid,
			windows: []string{"tokens/minute limit=6000 error"},
		},
		{
			// https://github.com/vanna-ai/vanna-flask/issues/11 (OpenAI, 429)
			name: "OpenAI request too large, a 429 without Used", status: 429,
			body:    `{"error":{"message":"Request too large for gpt-4o on tokens per min (TPM): Limit 30000, Requested 342389. The input or output tokens must be reduced in order to run successfully.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`,
			class:   ClassRateLimited,
			windows: []string{"tokens/minute limit=30000 error"},
		},
		{
			// https://github.com/elizaOS/eliza/issues/4040 (Groq TPM, text only)
			name: "Groq TPM in plain text, retry 4.77s", status: 429,
			body:    "Rate limit reached for model `llama-3.1-8b-instant` in organization `org_01j5b4pz9jff492fq686vypsx6` service tier `on_demand` on tokens per minute (TPM): Limit 6000, Used 5034, Requested 1443. Please try again in 4.77s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
			class:   ClassRateLimited,
			windows: []string{"tokens/minute limit=6000 remaining=966 reset=2026-11-21T10:00:05Z error"},
			retry:   4770 * time.Millisecond,
		},
		{
			// https://github.com/continuedev/continue/issues/9623
			name: "Anthropic: N input tokens per minute for your organization", status: 429,
			body:    `{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization (c26fc127-ba09-49d3-a086-a2f26380d5e7) of 30,000 input tokens per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."}`,
			class:   ClassRateLimited,
			windows: []string{"input_tokens/minute limit=30000 error"},
		},
		{
			// https://github.com/continuedev/continue/issues/12057
			name: "Anthropic: your organization's rate limit of N input tokens per minute (org, model)", status: 429,
			body:    `{"type":"rate_limit_error","message":"This request would exceed your organization's rate limit of 30,000 input tokens per minute (org: ef36bf5a-434a-4c52-b7a0-ba958aef9dfd, model: claude-sonnet-4-20250514). For details, refer to: https://docs.claude.com/en/api/rate-limits."}`,
			class:   ClassRateLimited,
			windows: []string{"input_tokens/minute limit=30000 error"},
		},
		{
			// https://github.com/FoundationAgents/OpenManus/issues/746: the
			// OpenAI SDK's envelope, a Python repr, around Anthropic's text.
			name: "Anthropic's text in an OpenAI-style envelope as a Python repr", status: 429,
			body:    `Error code: 429 - {'error': {'code': 'rate_limit_error', 'message': 'This request would exceed the rate limit for your organization of 20,000 input tokens per minute. For details, refer to: https://docs.anthropic.com/en/api/rate-limits. You can see the response headers for current usage.', 'type': 'invalid_request_error', 'param': None}}`,
			class:   ClassRateLimited,
			windows: []string{"input_tokens/minute limit=20000 error"},
			message: "This request would exceed the rate limit for your organization of 20,000 input tokens per minute. For details, refer to: https://docs.anthropic.com/en/api/rate-limits. You can see the response headers for current usage.",
		},
		{
			// https://github.com/xtekky/gpt4free/issues/3032 (Together)
			name: "Together: a model's limit of 9.0 queries per minute", status: 429,
			body:      `{"error":{"message":"You have reached the rate limit specific to this model black-forest-labs/FLUX.1-kontext-pro. The maximum rate limit for this model is 9.0 queries per minute. This limit differs from the general rate limits published at Together AI rate limits documentation (https://docs.together.ai/docs/rate-limits).","type":"model_rate_limit","param":null,"code":null}}`,
			class:     ClassRateLimited,
			windows:   []string{"requests/minute limit=9 remaining=0 error"},
			exhausted: "requests/minute",
		},
		{
			// A fractional rate (Together's free tier is about 1 query per
			// second shown per minute; 0.6 per minute is 3 per 5 minutes):
			// the figure is kept true by widening the window, never rounded
			// to 0.
			name: "Together: 0.6 queries per minute is 3 per 5 minutes", status: 429,
			body:      `{"error":{"message":"You have reached the rate limit specific to this model m. The maximum rate limit for this model is 0.6 queries per minute."}}`,
			class:     ClassRateLimited,
			windows:   []string{"requests/5-minute limit=3 remaining=0 error"},
			exhausted: "requests/5-minute",
		},
		{
			// https://github.com/togethercomputer/MoA/issues/27
			name: "Together: your rate limit is 60 queries per minute", status: 429,
			body:      `{'error': {'message': 'You have been rate limited. Your rate limit is 60 queries per minute. Please navigate to https://api.together.xyz/settings/billing to upgrade to a paid plan.', 'type': 'credit_limit', 'param': None, 'code': None}}`,
			class:     ClassRateLimited,
			windows:   []string{"requests/minute limit=60 remaining=0 error"},
			exhausted: "requests/minute",
		},
		{
			// https://github.com/ogkalu2/comic-translate/issues/403: the text
			// and QuotaFailure say the same (per day, 20): one window.
			name: "Gemini: Quota exceeded for metric ..., limit: 20, with QuotaFailure", status: 429,
			body: `{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 20, model: gemini-2.5-flash\nPlease retry in 58.821668433s.","status":"RESOURCE_EXHAUSTED","details":[` +
				`{"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Learn more about Gemini API quotas","url":"https://ai.google.dev/gemini-api/docs/rate-limits"}]},` +
				`{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier","quotaDimensions":{"model":"gemini-2.5-flash","location":"global"},"quotaValue":"20"}]},` +
				`{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"58s"}]}}`,
			class:     ClassQuotaExhausted,
			windows:   []string{"requests/day limit=20 remaining=0 error"},
			exhausted: "requests/day",
			retry:     58 * time.Second,
		},
		{
			// https://github.com/continuedev/continue/issues/9570: Gemini's
			// error as a JSON string inside an OpenAI-style envelope (trimmed
			// after the first detail).
			name: "Gemini's JSON inside an OpenAI-style envelope's message", status: 429,
			body:      `{"error":{"message":"{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"You exceeded your current quota, please check your plan and billing details. \\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: gemini-3-pro\\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_input_token_count, limit: 0, model: gemini-3-pro\\nPlease retry in 45.578569677s.\",\n    \"status\": \"RESOURCE_EXHAUSTED\"\n  }\n}\n","code":429}}`,
			class:     ClassRateLimited,
			windows:   []string{"requests/unknown limit=0 remaining=0 error", "tokens/unknown limit=0 remaining=0 error"},
			exhausted: "requests/unknown",
			retry:     45578569677 * time.Nanosecond,
			message:   "You exceeded your current quota, please check your plan and billing details. * Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: gemini-3-pro *", msgPrefix: true,
		},
		{
			// https://github.com/google-gemini/gemini-cli/issues/10513 (cut
			// after the first errors entry, as a text body cut short is).
			name: "Gemini: quota metric and limit named in words, text cut short", status: 429,
			body:      `[{"error":{"code":429,"message":"Quota exceeded for quota metric 'Gemini 2.5 Pro Requests' and limit 'Gemini 2.5 Pro Requests per day per user per tier' of service 'cloudcode-pa.googleapis.com' for consumer 'project_number:681255809395'.","errors":[{"message":"Quota exceeded for quota metric 'Gemini 2.5 Pro Requests' and limit 'Gemini 2.5 Pro Requests per day per user per tier' of service`,
			class:     ClassQuotaExhausted,
			windows:   []string{"requests/day remaining=0 error"},
			exhausted: "requests/day",
		},
		{
			// https://github.com/raycast/extensions/issues/31107 (Mistral)
			name: "Mistral 1300: no figures, the message only", status: 429,
			body:    `{"object":"error","message":"Rate limit exceeded","type":"rate_limited","param":null,"code":"1300","raw_status_code":429}`,
			class:   ClassRateLimited,
			message: "Rate limit exceeded",
		},
		{
			// https://github.com/GordeyZuev/LEAP/issues/6 (Fireworks, repr)
			name: "Fireworks usage limits: no figures, the message only", status: 429,
			body:    `{'error': 'Too Many Requests', 'message': 'You have exceeded your usage limits. Please try again later or contact Fireworks to explore dedicated capacity.'}`,
			class:   ClassRateLimited,
			message: "You have exceeded your usage limits. Please try again later or contact Fireworks to explore dedicated capacity.",
		},
		{
			// https://github.com/anomalyco/opencode/issues/7463 (Cerebras)
			name: "Cerebras tokens per minute as a bare JSON string", status: 429,
			body:      `"Tokens per minute limit exceeded - too many tokens processed."`,
			class:     ClassRateLimited,
			windows:   []string{"tokens/minute remaining=0 error"},
			exhausted: "tokens/minute",
			message:   "Tokens per minute limit exceeded - too many tokens processed.",
		},
		{
			// https://github.com/OpenCoworkAI/open-codesign/issues/402: an
			// upstream's 429 relayed by OpenRouter, its text in metadata.raw.
			name: "OpenRouter relaying an upstream 429 in metadata.raw", status: 429,
			body:    `{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"meta-llama/llama-3.3-70b-instruct:free is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations","provider_name":"Venice"}},"user_id":"user_test"}`,
			class:   ClassRateLimited,
			message: "Provider returned error: meta-llama/llama-3.3-70b-instruct:free is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations",
		},
		{
			name: "numbers that are not figures are not read", status: 429,
			body:  `{"error":{"message":"of 99999999999999999999999 input tokens per minute; Limit: -5 / min; rate limit is 0.0 queries per minute; Quota exceeded for metric: x_requests, limit: abc"}}`,
			class: ClassRateLimited,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Parse(nil, Response{Status: tt.status, Body: []byte(tt.body), At: arrival})
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
			if tt.message != "" && res.Message != tt.message && !(tt.msgPrefix && strings.HasPrefix(res.Message, tt.message)) {
				t.Errorf("message:\n got  %q\n want %q", res.Message, tt.message)
			}
		})
	}
}
