package catalog

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestProfileSuggestsOrLists(t *testing.T) {
	c := mustLoad(t, "")
	tests := []struct {
		name string
		want string // the error; "" for success
	}{
		{"groq", ""},
		{"demo", ""},
		{"grok", `unknown provider "grok" (did you mean "groq"?)`},
		{"Groq", `unknown provider "Groq" (did you mean "groq"?)`},
		{"sambanva", `unknown provider "sambanva" (did you mean "sambanova"?)`},
		{"cloud", `unknown provider "cloud" (did you mean "cloudflare"?)`},
		{"xyzzy-corp", `unknown provider "xyzzy-corp"; known providers: ` + strings.Join(c.Names(), ", ") + ` (add your own in ` + userPath + `)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := c.Profile(tt.name)
			if tt.want == "" {
				if err != nil || p == nil || p.Name != tt.name {
					t.Fatalf("Profile(%q) = %v, %v", tt.name, p, err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || err.Error() != tt.want {
				t.Errorf("Profile(%q) error\n got %v\nwant %s", tt.name, err, tt.want)
			}
		})
	}
}

func TestNamesAreSortedAndComplete(t *testing.T) {
	c := mustLoad(t, "providers:\n  aaa-local:\n    base_url: http://localhost:1/v1\n")
	names := c.Names()
	if !sort.StringsAreSorted(names) {
		t.Errorf("Names() not sorted: %v", names)
	}
	if len(names) != len(c.Providers) || names[0] != "aaa-local" {
		t.Errorf("Names() = %v, want all %d providers with aaa-local first", names, len(c.Providers))
	}
}

func TestResolveBaseURL(t *testing.T) {
	c := mustLoad(t, `
providers:
  plain:
    base_url: http://{LLM_HOST}/v1
  lan:
    base_url: http://10.0.0.5:8080/v1
  lan-optin:
    base_url: http://10.0.0.5:8080/v1
    allow_insecure_http: true
  loop-name:
    base_url: http://LOCALHOST.:11434/v1
  loop-v4:
    base_url: http://127.8.9.10:8000/v1
  loop-v6:
    base_url: http://[::1]:8000/v1
`)
	tests := []struct {
		provider string
		env      func(string) string
		want     string // the URL, or with err the error message
		err      bool
	}{
		{"groq", env(), "https://api.groq.com/openai/v1", false},
		{"cloudflare", env("CLOUDFLARE_ACCOUNT_ID", "abc123"), "https://api.cloudflare.com/client/v4/accounts/abc123/ai/v1", false},
		{"cloudflare", env(), `provider "cloudflare" needs CLOUDFLARE_ACCOUNT_ID in the environment (its base_url has {CLOUDFLARE_ACCOUNT_ID})`, true},
		{"demo", env(), "http://demo.tier.invalid/v1", false},
		{"loop-name", env(), "http://LOCALHOST.:11434/v1", false},
		{"loop-v4", env(), "http://127.8.9.10:8000/v1", false},
		{"loop-v6", env(), "http://[::1]:8000/v1", false},
		{"lan-optin", env(), "http://10.0.0.5:8080/v1", false},
		{"lan", env(), `provider "lan": refusing plain http to 10.0.0.5:8080 (not loopback): the key and prompts would travel unencrypted; use https, or set allow_insecure_http: true for "lan" in ` + userPath, true},
		{"plain", env("LLM_HOST", "127.0.0.1:8080"), "http://127.0.0.1:8080/v1", false},
		// The guard looks at the URL after the placeholders are filled.
		{"plain", env("LLM_HOST", "127.0.0.1@evil.example.com"), `provider "plain": refusing plain http to evil.example.com (not loopback)`, true},
		{"plain", env("LLM_HOST", "localhost.evil.example.com"), `provider "plain": refusing plain http to localhost.evil.example.com (not loopback)`, true},
	}
	for _, tt := range tests {
		t.Run(tt.provider+" "+tt.want, func(t *testing.T) {
			p, err := c.Profile(tt.provider)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.ResolveBaseURL(tt.env)
			if !tt.err {
				if err != nil || got != tt.want {
					t.Errorf("ResolveBaseURL = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Provider != tt.provider || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("ResolveBaseURL error\n got %v\nwant %s...", err, tt.want)
			}
		})
	}
}

func TestPlaceholders(t *testing.T) {
	p := &Profile{BaseURL: "https://{HOST}/a/{ACCOUNT}/v1"}
	if got := p.Placeholders(); !reflect.DeepEqual(got, []string{"HOST", "ACCOUNT"}) {
		t.Errorf("Placeholders = %v", got)
	}
}

// fixture is a provider whose limits exercise every matching rule.
const fixture = `
providers:
  fx:
    base_url: https://fx.example.com/v1
    free_model_suffix: ":free"
    limits:
      - {tier: free, models: ["*"], tpd: 1, as_of: 2026-11-01, source: s}
      - {tier: free, models: ["*:free"], rpd: 2, as_of: 2026-11-01, source: s}
      - {tier: free, models: [big, small], rpm: 3, as_of: 2026-11-01, source: s}
      - {tier: paid, models: [big], rpm: 4, as_of: 2026-11-01, source: s}
      - {tier: "*", models: ["*"], unit: gen, per_minute: 5, as_of: 2026-11-01, source: s}
    models:
      - {id: big}
      - {id: gift, free: true}
`

func TestLimitsFor(t *testing.T) {
	p := mustLoad(t, fixture).Providers["fx"]
	// Each limit is identified by its one figure.
	figure := func(l Limit) int64 {
		for _, f := range []*int64{l.RPM, l.RPD, l.TPD, l.PerMinute} {
			if f != nil {
				return *f
			}
		}
		return -1
	}
	tests := []struct {
		model, tier string
		want        []int64
	}{
		{"big", "free", []int64{3, 1, 5}},    // exact first, then "*"
		{"x:free", "free", []int64{2, 1, 5}}, // "*:free" before "*"
		{"other", "free", []int64{1, 5}},     // only "*"
		{"big", "paid", []int64{4, 5}},       // other tier; "*" tier applies to all
		{"other", "enterprise", []int64{5}},  // only the every-tier limit
		{"small", "free", []int64{3, 1, 5}},  // any id of the list
		{"free-ish", "free", []int64{1, 5}},  // a pattern is a suffix, not a substring
	}
	for _, tt := range tests {
		var got []int64
		for _, l := range p.LimitsFor(tt.model, tt.tier) {
			got = append(got, figure(l))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("LimitsFor(%q, %q) = %v, want %v", tt.model, tt.tier, got, tt.want)
		}
	}
}

func TestModelAndIsFree(t *testing.T) {
	p := mustLoad(t, fixture).Providers["fx"]
	if m := p.Model("big"); m == nil || m.ID != "big" {
		t.Errorf("Model(big) = %v", m)
	}
	if m := p.Model("nope"); m != nil {
		t.Errorf("Model(nope) = %v, want nil", m)
	}
}

// TestFreeReason: a model is free when its id carries the free suffix,
// when the catalog marks it free, or when the provider publishes free-tier
// limits for it (Groq's free tier: "free: TPM 6000" on
// llama-3.1-8b-instant); a limit of every tier ("*") or of a paid tier
// says nothing about free use.
func TestFreeReason(t *testing.T) {
	p := mustLoad(t, `
providers:
  fx:
    base_url: https://fx.example.com/v1
    free_model_suffix: ":free"
    limits:
      - {tier: free, models: [small], rpm: 3, as_of: 2026-11-01, source: s}
      - {tier: free, models: ["*-lite"], rpd: 2, as_of: 2026-11-01, source: s}
      - {tier: paid, models: [big], rpm: 4, as_of: 2026-11-01, source: s}
      - {tier: "*", models: ["*"], unit: gen, per_minute: 5, as_of: 2026-11-01, source: s}
    models:
      - {id: big}
      - {id: gift, free: true}
      - {id: small}
`).Providers["fx"]
	everyModel := mustLoad(t, fixture).Providers["fx"] // free tier: tpd 1 on "*"
	tests := []struct {
		p     *Profile
		model string
		want  string
	}{
		{p, "any/model:free", `free model suffix ":free"`},
		{p, "gift", "marked free in the catalog"},
		{p, "small", "free tier limits published"},
		{p, "x-lite", "free tier limits published"}, // a "*SUFFIX" pattern
		{p, "big", ""},     // a paid-tier and an every-tier limit only
		{p, "unknown", ""}, // only the every-tier limit
		{everyModel, "big", "free tier limits published"},
		{everyModel, "unknown", "free tier limits published"},
		{everyModel, "gift", "marked free in the catalog"}, // the catalog's word first
	}
	for _, tt := range tests {
		got := tt.p.FreeReason(tt.model)
		if got != tt.want {
			t.Errorf("FreeReason(%q) = %q, want %q", tt.model, got, tt.want)
		}
		if free := tt.p.IsFree(tt.model); free != (tt.want != "") {
			t.Errorf("IsFree(%q) = %v, want %v", tt.model, free, tt.want != "")
		}
	}
}

func TestDialect(t *testing.T) {
	c := mustLoad(t, "")
	if d := c.Dialect("groq"); d == nil || d.Name != "groq" {
		t.Errorf("Dialect(groq) = %v", d)
	}
	if d := c.Dialect("nope"); d != nil {
		t.Errorf("Dialect(nope) = %v, want nil", d)
	}
}
