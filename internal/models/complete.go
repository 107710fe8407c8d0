package models

import (
	"strings"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/store"
)

// Completions are the model ids of profiles that start with prefix, from
// each one's cached list and the catalog (never the network), each with a
// short description after a tab: the provider when there are several,
// default, free or free tier, status.
func Completions(st *store.Store, profiles []*catalog.Profile, prefix string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range profiles {
		for _, e := range Known(st, p) {
			if !strings.HasPrefix(e.ID, prefix) || seen[e.ID] {
				continue
			}
			seen[e.ID] = true
			var desc []string
			if len(profiles) > 1 {
				desc = append(desc, p.Name)
			}
			if e.Default {
				desc = append(desc, "default")
			}
			if e.Free && e.FreeReason == catalog.FreeTierReason {
				desc = append(desc, "free tier")
			} else if e.Free {
				desc = append(desc, "free")
			}
			if e.Status != "" {
				desc = append(desc, e.Status)
			}
			if len(desc) > 0 {
				out = append(out, e.ID+"\t"+strings.Join(desc, ", "))
			} else {
				out = append(out, e.ID)
			}
		}
	}
	return out
}
