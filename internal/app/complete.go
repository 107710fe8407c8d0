package app

import (
	"slices"
	"strings"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/models"
)

// Shell completion: names from the catalog and the models cache only, so
// completing never uses the network.

// ModelCompletions lists the models of the provider provider names (nil:
// the command has no --provider flag; then of the providers among args,
// else of the default provider): each provider's cached list and catalog
// models, with a short description.
func (a *App) ModelCompletions(provider *string, args []string, toComplete string) []string {
	var profiles []*catalog.Profile
	if provider != nil {
		if p, err := a.Profile(*provider); err == nil {
			profiles = append(profiles, p)
		}
	} else if c, err := a.Catalog(); err == nil {
		for _, arg := range args {
			if p := c.Providers[arg]; p != nil && !slices.Contains(profiles, p) {
				profiles = append(profiles, p)
			}
		}
		if len(profiles) == 0 {
			if p, err := a.Profile(""); err == nil {
				profiles = append(profiles, p)
			}
		}
	}
	st, _ := a.Store()
	return models.Completions(st, profiles, toComplete)
}

// ProviderCompletions lists the catalog's provider names not already in
// given, with their display names; with keyed, only the providers that
// take a key (not the demo, nor no_key profiles: 'tier keys set demo' is
// an error).
func (a *App) ProviderCompletions(given []string, toComplete string, keyed bool) []string {
	c, err := a.Catalog()
	if err != nil {
		return nil
	}
	var out []string
	for _, name := range c.Names() {
		p := c.Providers[name]
		if !strings.HasPrefix(name, toComplete) || slices.Contains(given, name) || (keyed && (p.NoKey || p.Demo)) {
			continue
		}
		if d := p.DisplayName; d != "" {
			out = append(out, name+"\t"+d)
		} else {
			out = append(out, name)
		}
	}
	return out
}
