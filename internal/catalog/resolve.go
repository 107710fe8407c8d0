package catalog

import (
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strings"

	"github.com/tier-cli/tier/internal/quota"
)

// Names returns the provider names, sorted.
func (c *Catalog) Names() []string {
	names := make([]string, 0, len(c.Providers))
	for n, p := range c.Providers {
		if p != nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Profile returns the named provider. An unknown name gives an *Error that
// suggests the nearest name, or lists them all when none is near.
func (c *Catalog) Profile(name string) (*Profile, error) {
	if p := c.Providers[name]; p != nil {
		return p, nil
	}
	names := c.Names()
	if s := closest(name, names); s != "" {
		return nil, &Error{Msg: fmt.Sprintf("unknown provider %q (did you mean %q?)", name, s)}
	}
	where := c.userFile
	if where == "" {
		where = FileName
	}
	return nil, &Error{Msg: fmt.Sprintf("unknown provider %q; known providers: %s (add your own in %s)", name, strings.Join(names, ", "), where)}
}

// Choose picks the provider a command uses: flag (-p) if given, then
// $TIER_PROVIDER, then the catalog's default; the error says which of
// them named an unknown provider, or that none chose one.
func (c *Catalog) Choose(flag string, getenv func(string) string) (*Profile, error) {
	name, from := flag, ""
	if name == "" {
		name, from = getenv("TIER_PROVIDER"), " (from TIER_PROVIDER)"
	}
	if name == "" {
		name, from = c.Default, " (the catalog's default)"
	}
	if name == "" {
		return nil, &Error{Msg: "no provider chosen: pass -p PROVIDER or set TIER_PROVIDER (see 'tier models --all')"}
	}
	p, err := c.Profile(name)
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, from)
	}
	return p, nil
}

// Chosen says whether Choose with no flag has a provider to pick.
func (c *Catalog) Chosen(getenv func(string) string) bool {
	return getenv("TIER_PROVIDER") != "" || c.Default != ""
}

// Resolved is the catalog's profiles with their base URLs resolved from
// the environment where they can be (a key's host pin is checked against
// them); a base URL that does not resolve is left as written.
func (c *Catalog) Resolved(getenv func(string) string) map[string]*Profile {
	out := make(map[string]*Profile, len(c.Providers))
	for name, p := range c.Providers {
		if p == nil {
			continue
		}
		cp := *p
		if base, err := p.ResolveBaseURL(getenv); err == nil {
			cp.BaseURL = base
		}
		out[name] = &cp
	}
	return out
}

// Dialect returns the named dialect, or nil.
func (c *Catalog) Dialect(name string) *quota.Dialect {
	return c.Dialects[name]
}

// Placeholders lists the environment variables the base URL needs, in the
// order they appear.
func (p *Profile) Placeholders() []string {
	var out []string
	for _, m := range rePlaceholder().FindAllStringSubmatch(p.BaseURL, -1) {
		out = append(out, m[1])
	}
	return out
}

// ResolveBaseURL fills the base URL's {VAR} placeholders from the
// environment and applies the plain-http guard: http:// to a host that is
// not loopback is refused unless the profile sets allow_insecure_http (the
// demo is exempt: its host is never dialled).
func (p *Profile) ResolveBaseURL(getenv func(string) string) (string, error) {
	missing := ""
	out := rePlaceholder().ReplaceAllStringFunc(p.BaseURL, func(m string) string {
		name := m[1 : len(m)-1]
		val := getenv(name)
		if val == "" && missing == "" {
			missing = name
		}
		return val
	})
	if missing != "" {
		return "", &Error{Provider: p.Name, Msg: fmt.Sprintf("provider %q needs %s in the environment (its base_url has {%s})", p.Name, missing, missing)}
	}
	u, err := url.Parse(out)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		hint := ""
		if len(p.Placeholders()) > 0 {
			hint = " after filling " + strings.Join(p.Placeholders(), ", ") + " from the environment; check their values"
		}
		return "", &Error{Provider: p.Name, Msg: fmt.Sprintf("provider %q: base_url is not an http:// or https:// URL%s", p.Name, hint)}
	}
	if u.Scheme == "http" && !p.Demo && !p.AllowInsecureHTTP && !isLoopback(u.Hostname()) {
		where := p.userFile
		if where == "" {
			where = FileName
		}
		return "", &Error{Provider: p.Name, Msg: fmt.Sprintf(
			"provider %q: refusing plain http to %s (not loopback): the key and prompts would travel unencrypted; use https, or set allow_insecure_http: true for %q in %s",
			p.Name, u.Host, p.Name, where)}
	}
	return out, nil
}

// isLoopback reports whether host is localhost, 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// Model returns what the catalog knows of model id, or nil.
func (p *Profile) Model(id string) *Model {
	for i := range p.Models {
		if p.Models[i].ID == id {
			return &p.Models[i]
		}
	}
	return nil
}

// LimitsFor returns the published limits of tier that apply to model, most
// specific first: those naming the model exactly, then "*SUFFIX" patterns it
// matches, then "*". A limit whose tier is "*" applies to every tier.
func (p *Profile) LimitsFor(model, tier string) []Limit {
	var exact, pattern, all []Limit
	for _, l := range p.Limits {
		if l.Tier != tier && l.Tier != "*" {
			continue
		}
		best := 0 // 0 none, 1 "*", 2 pattern, 3 exact
		for _, m := range l.Models {
			switch {
			case m == model:
				best = max(best, 3)
			case m == "*":
				best = max(best, 1)
			case strings.HasPrefix(m, "*") && strings.HasSuffix(model, m[1:]):
				best = max(best, 2)
			}
		}
		switch best {
		case 3:
			exact = append(exact, l)
		case 2:
			pattern = append(pattern, l)
		case 1:
			all = append(all, l)
		}
	}
	return append(append(exact, pattern...), all...)
}

// IsFree reports whether model is free on this provider: FreeReason
// gives a reason.
func (p *Profile) IsFree(model string) bool {
	return p.FreeReason(model) != ""
}

// FreeReason says why model is free on this provider, or "" when nothing
// says it is: its id carries the provider's free suffix (OpenRouter's
// ":free"), the catalog marks it free, or the provider publishes limits of
// its "free" tier that apply to it (a free tier is free use, within them).
func (p *Profile) FreeReason(model string) string {
	if p.FreeModelSuffix != "" && strings.HasSuffix(model, p.FreeModelSuffix) {
		return fmt.Sprintf("free model suffix %q", p.FreeModelSuffix)
	}
	if m := p.Model(model); m != nil && m.Free {
		return "marked free in the catalog"
	}
	for _, l := range p.LimitsFor(model, FreeTier) {
		if l.Tier == FreeTier {
			return FreeTierReason
		}
	}
	return ""
}

// FreeTier is the tier name of a provider's free tier in providers.yaml.
const FreeTier = "free"

// FreeTierReason is FreeReason for a model under published free-tier
// limits.
const FreeTierReason = "free tier limits published"
