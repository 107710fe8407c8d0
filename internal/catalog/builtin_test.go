package catalog

import (
	"net/url"
	"strings"
	"testing"
	"time"

	tier "github.com/tier-cli/tier"
)

// TestBuiltinCatalog checks the embedded providers.yaml: every profile is
// usable as shipped and every figure says where it comes from.
func TestBuiltinCatalog(t *testing.T) {
	c, err := LoadBytes(tier.ProvidersYAML, nil, "")
	if err != nil {
		t.Fatalf("built-in catalog does not load: %v", err)
	}
	if _, err := c.Profile(c.Default); err != nil {
		t.Errorf("default %q: %v", c.Default, err)
	}
	used := map[string]bool{}
	for _, name := range c.Names() {
		p := c.Providers[name]
		t.Run(name, func(t *testing.T) {
			used[p.Dialect] = true
			if p.DisplayName == "" {
				t.Error("no display_name")
			}
			if len(p.KeyEnv) == 0 && !p.NoKey {
				t.Error("no key_env and not no_key")
			}
			if p.DefaultModel == "" {
				t.Error("no default_model")
			} else if p.Model(p.DefaultModel) == nil {
				t.Errorf("default_model %q is not in models", p.DefaultModel)
			}
			if c.Dialect(p.Dialect) == nil {
				t.Errorf("dialect %q does not exist", p.Dialect)
			}
			u, err := url.Parse(p.BaseURL)
			if err != nil || (u.Scheme != "https" && !p.Demo) {
				t.Errorf("base_url %q is not https", p.BaseURL)
			}
			if p.KeyURL != "" && !strings.HasPrefix(p.KeyURL, "https://") {
				t.Errorf("key_url %q is not https", p.KeyURL)
			}
			if p.Balance != nil && !strings.HasPrefix(p.Balance.URL, "https://") {
				t.Errorf("balance url %q is not https", p.Balance.URL)
			}
			if p.Demo {
				if !p.NoKey || !strings.HasSuffix(u.Hostname(), ".invalid") {
					t.Error("the demo must need no key and use a .invalid host")
				}
			} else if p.AllowInsecureHTTP {
				t.Error("a built-in provider allows insecure http")
			}
			for i, l := range p.Limits {
				checkProvenance(t, "limits", i, l.Fact, p.Demo)
			}
			for i, g := range p.Credits {
				checkProvenance(t, "credits", i, g.Fact, p.Demo)
			}
			for i, m := range p.Models {
				if m.Price != nil {
					checkProvenance(t, "models price", i, m.Price.Fact, p.Demo)
				}
			}
			if _, err := p.ResolveBaseURL(func(k string) string { return "placeholder-" + strings.ToLower(k) }); err != nil {
				t.Errorf("ResolveBaseURL: %v", err)
			}
		})
	}
	for name := range c.Dialects {
		if !used[name] && name != "none" {
			t.Errorf("dialect %q is used by no built-in provider", name)
		}
	}
}

func checkProvenance(t *testing.T, what string, i int, f Fact, demo bool) {
	t.Helper()
	d, err := time.Parse(time.DateOnly, f.AsOf)
	if err != nil {
		t.Errorf("%s[%d]: as_of %q is not a date", what, i, f.AsOf)
	} else if d.After(time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("%s[%d]: as_of %s is after the catalog was written", what, i, f.AsOf)
	}
	if demo {
		if f.Source == "" {
			t.Errorf("%s[%d]: no source", what, i)
		}
		return
	}
	if !strings.HasPrefix(f.Source, "https://") {
		t.Errorf("%s[%d]: source %q is not an https URL", what, i, f.Source)
	}
	if f.Confidence != "" && !oneOf(f.Confidence, confidences) {
		t.Errorf("%s[%d]: confidence %q", what, i, f.Confidence)
	}
}
