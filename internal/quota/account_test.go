package quota

import "testing"

// Account states that are not rate limits: the money or the account is the
// cause, so the class is quota_exhausted (exit 5) and Reason says which.
func TestAccountStates(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		class     Class
		creditOut bool   // Credit{Remaining: 0, Source: error}
		reason    string // Result.Reason
	}{
		{
			// Message quoted in https://github.com/amd/gaia/issues/3766
			// (Fireworks 412 PRECONDITION_FAILED); the envelope is
			// Fireworks' usual error object.
			name: "Fireworks 412: account suspended at the monthly spending limit", status: 412,
			body:   `{"error":{"object":"error","type":"invalid_request_error","code":"PRECONDITION_FAILED","message":"Account acme-1 is suspended, possibly due to reaching the monthly spending limit or failure to pay past invoices."}}`,
			class:  ClassQuotaExhausted,
			reason: "the account is suspended (a monthly spending limit or an unpaid invoice)",
		},
		{
			name: "Fireworks: the same on a 403 is no key problem", status: 403,
			body:   `{"error":{"object":"error","type":"invalid_request_error","message":"Account acme-1 is suspended, possibly due to reaching the monthly spending limit or failure to pay past invoices."}}`,
			class:  ClassQuotaExhausted,
			reason: "the account is suspended (a monthly spending limit or an unpaid invoice)",
		},
		{
			// https://github.com/anthropics/claude-code/issues/66314
			name: "Anthropic 400: credit balance is too low", status: 400,
			body:      `{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."},"request_id":"req_011CbrFTcXhtiMzr3s6EocF7"}`,
			class:     ClassQuotaExhausted,
			creditOut: true,
			reason:    "the credit balance is used up",
		},
		{
			// https://github.com/Gitlawb/openclaude/issues/43
			name: "OpenRouter 402: this account never purchased credits", status: 402,
			body:      `{"error":{"message":"Insufficient credits. This account never purchased credits. Make sure your key is on the correct account or org, and if so, purchase more at https://openrouter.ai/settings/credits","code":402}}`,
			class:     ClassQuotaExhausted,
			creditOut: true,
			reason:    "no credit: this account never purchased any",
		},
		{
			// https://github.com/QwenLM/qwen-code/issues/73
			name: "OpenRouter 402: can only afford N tokens: a smaller --max-tokens would fit", status: 402,
			body:   `{"error":{"message":"This request requires more credits, or fewer max_tokens. You requested up to 225702 tokens, but can only afford 92985. To increase, visit https://openrouter.ai/settings/credits and add more credits","code":402}}`,
			class:  ClassQuotaExhausted,
			reason: "the credit left pays for at most 92985 tokens: a smaller --max-tokens (92985 or less) would fit",
		},
		{
			// The Hugging Face text from providers-reference.md ("Errors").
			name: "Hugging Face: monthly included credits spent", status: 402,
			body:      `{"error":"You have exceeded your monthly included credits for Inference Providers. Subscribe to PRO to get 20x more monthly included credits."}`,
			class:     ClassQuotaExhausted,
			creditOut: true,
			reason:    "the monthly included credits are used up",
		},
		{
			// https://github.com/vercel/ai/issues/9290: Vercel's gateway
			// relaying z.ai's 429. The money that ran out is the
			// upstream's, not the gateway credit: no credit figure.
			name: "Vercel relaying an upstream's insufficient balance", status: 429,
			body:   `{"error":{"message":"Insufficient balance or no resource package. Please recharge.","type":"AI_APICallError","param":{"error":"Insufficient balance or no resource package. Please recharge.","statusCode":429,"name":"AI_APICallError","message":"Insufficient balance or no resource package. Please recharge.","url":"https://api.z.ai/api/paas/v4/chat/completions","isRetryable":true,"type":"AI_APICallError"}}}`,
			class:  ClassQuotaExhausted,
			reason: "the upstream provider (api.z.ai) has no balance left",
		},
		{
			// DeepSeek's own 402 (fakeprovider.BodyDeepSeek402).
			name: "DeepSeek 402: insufficient balance of its own", status: 402,
			body:      `{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}`,
			class:     ClassQuotaExhausted,
			creditOut: true,
			reason:    "the credit balance is used up",
		},
		{
			name: "a 412 that says nothing of the account stays an invalid request", status: 412,
			body:  `{"error":{"message":"Precondition failed: model is not deployed"}}`,
			class: ClassInvalid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Parse(nil, Response{Status: tt.status, Body: []byte(tt.body), At: arrival})
			if res.Class != tt.class {
				t.Errorf("class %q, want %q", res.Class, tt.class)
			}
			c := res.Snapshot.Credit
			switch {
			case !tt.creditOut && c != nil:
				t.Errorf("credit = %+v, want not reported", *c)
			case tt.creditOut && (c == nil || c.Remaining == nil || *c.Remaining != 0 || c.Source != SourceError):
				t.Errorf("credit = %+v, want {remaining 0, source error}", c)
			}
			if res.Reason != tt.reason {
				t.Errorf("reason %q, want %q", res.Reason, tt.reason)
			}
		})
	}
}
