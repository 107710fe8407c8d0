package cli

import (
	"strings"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/overview"
)

// key finds the secret for profile p. (Interim: environment only; the keys
// package takes over with the keyring, key_cmd and host pinning.)
func (a *app) key(p *catalog.Profile, name, baseURL string) (string, error) {
	if p.NoKey {
		return "", nil
	}
	for _, v := range p.KeyEnv {
		if k := strings.TrimSpace(a.env.Getenv(v)); k != "" {
			return k, nil
		}
	}
	return "", Exitf(ExitAuth, "no key for %s: set %s", p.Name, strings.Join(p.KeyEnv, " or "))
}

// keyInfo is the overview's view of key metadata (creation date, recorded
// credit grant). (Interim: none until the keys package is wired in.)
func (a *app) keyInfo(provider, key string) (overview.KeyInfo, bool) {
	return overview.KeyInfo{}, false
}
