package models

import "github.com/tier-cli/tier/internal/catalog"

// Select picks the providers tier models lists: the named ones (each
// once); or, with all (or when no default is chosen), every provider
// hasKey accepts plus those that need no key, and the names skipped for
// want of one; or else the default provider (catalog.Choose).
func Select(c *catalog.Catalog, names []string, all bool, getenv func(string) string, hasKey func(*catalog.Profile) bool) ([]*catalog.Profile, []string, error) {
	var out []*catalog.Profile
	if len(names) > 0 {
		seen := map[string]bool{}
		for _, name := range names {
			if seen[name] {
				continue
			}
			seen[name] = true
			p, err := c.Profile(name)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, p)
		}
		return out, nil, nil
	}
	if !all && c.Chosen(getenv) {
		p, err := c.Choose("", getenv)
		if err != nil {
			return nil, nil, err
		}
		return []*catalog.Profile{p}, nil, nil
	}
	var skipped []string
	for _, name := range c.Names() {
		p := c.Providers[name]
		if p.NoKey || p.Demo || hasKey(p) {
			out = append(out, p)
			continue
		}
		skipped = append(skipped, name)
	}
	return out, skipped, nil
}
