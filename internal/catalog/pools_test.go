package catalog

import (
	"strings"
	"testing"

	tier "github.com/tier-cli/tier"
)

func TestPools(t *testing.T) {
	c, err := LoadBytes(tier.ProvidersYAML, []byte("pools:\n  free:\n    - groq/default/llama-3.1-8b-instant\n    - groq/*/llama-3.1-8b-instant\n    - openrouter/default/openai/gpt-oss-120b:free\n"), "providers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Pools["free"]; len(got) != 3 || got[2] != "openrouter/default/openai/gpt-oss-120b:free" {
		t.Errorf("pools = %v", c.Pools)
	}
	if !c.Providers["gemini"].AccountScope() || !c.Providers["openrouter"].AccountScope() || c.Providers["groq"].AccountScope() {
		t.Errorf("quota_scope: gemini %q openrouter %q groq %q, want account, account, key",
			c.Providers["gemini"].QuotaScope, c.Providers["openrouter"].QuotaScope, c.Providers["groq"].QuotaScope)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"pools:\n  free:\n    - groq/default\n", `providers.yaml:3: pool "free": target "groq/default" is not provider/key/model`},
		{"pools:\n  free:\n    - grok/default/m\n", `providers.yaml:3: pool "free": target "grok/default/m": unknown provider "grok"`},
		{"pools:\n  groq: [cerebras/default/m]\n", `providers.yaml:2: pool "groq": a provider has this name`},
		{"pools:\n  free: []\n", `providers.yaml:2: pool "free": no targets`},
		{"pools:\n  free: groq/default/m\n", `providers.yaml:2:`},
		{"providers:\n  groq:\n    quota_scope: project\n", `providers.yaml:3: provider "groq": quota_scope "project" is not key or account`},
	} {
		_, err := LoadBytes(tier.ProvidersYAML, []byte(tc.yaml), "providers.yaml")
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %s…", tc.yaml, err, tc.want)
		}
	}
}
