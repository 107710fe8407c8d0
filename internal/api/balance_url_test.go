package api

import "testing"

// A proxied base_url takes the built-in balance endpoint with it (same path,
// on the new host and prefix); a balance URL the user set, or one that was
// never on the provider's host, stays as it is (and the host check still
// refuses to send the key elsewhere).
func TestBalanceURL(t *testing.T) {
	tests := []struct {
		name                        string
		builtinBase, builtinBalance string
		base, balance               string
		want                        string
	}{
		{"base_url not moved", "https://api.deepseek.com", "https://api.deepseek.com/user/balance",
			"https://api.deepseek.com", "https://api.deepseek.com/user/balance", "https://api.deepseek.com/user/balance"},
		{"DeepSeek behind a proxy", "https://api.deepseek.com", "https://api.deepseek.com/user/balance",
			"https://proxy.example.com/deepseek", "https://api.deepseek.com/user/balance", "https://proxy.example.com/deepseek/user/balance"},
		{"DeepSeek behind a proxy, trailing slash", "https://api.deepseek.com", "https://api.deepseek.com/user/balance",
			"https://proxy.example.com/deepseek/", "https://api.deepseek.com/user/balance", "https://proxy.example.com/deepseek/user/balance"},
		{"OpenRouter behind a proxy", "https://openrouter.ai/api/v1", "https://openrouter.ai/api/v1/key",
			"https://proxy.example.com/openrouter/api/v1", "https://openrouter.ai/api/v1/key", "https://proxy.example.com/openrouter/api/v1/key"},
		{"Vercel on another host, same path", "https://ai-gateway.vercel.sh/v1", "https://ai-gateway.vercel.sh/v1/credits",
			"http://127.0.0.1:8080/v1", "https://ai-gateway.vercel.sh/v1/credits", "http://127.0.0.1:8080/v1/credits"},
		{"balance outside the base path keeps the new prefix", "https://api.example.com/v1", "https://api.example.com/user/balance",
			"https://proxy.example.com/ex/v1", "https://api.example.com/user/balance", "https://proxy.example.com/ex/user/balance"},
		{"balance outside the base path, prefix unknown", "https://api.example.com/v1", "https://api.example.com/user/balance",
			"https://proxy.example.com/other", "https://api.example.com/user/balance", "https://proxy.example.com/user/balance"},
		{"a balance URL the user set is theirs", "https://api.deepseek.com", "https://api.deepseek.com/user/balance",
			"https://proxy.example.com/deepseek", "https://proxy.example.com/balance", "https://proxy.example.com/balance"},
		{"a built-in balance on another host is never moved", "https://api.example.com/v1", "https://billing.example.com/balance",
			"https://proxy.example.com/v1", "https://billing.example.com/balance", "https://billing.example.com/balance"},
		{"a query survives", "https://api.example.com/v1", "https://api.example.com/v1/key?fields=all",
			"https://proxy.example.com/p/v1", "https://api.example.com/v1/key?fields=all", "https://proxy.example.com/p/v1/key?fields=all"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := BalanceURL(tc.builtinBase, tc.builtinBalance, tc.base, tc.balance); got != tc.want {
				t.Errorf("BalanceURL = %q, want %q", got, tc.want)
			}
		})
	}
}
