package app

import (
	"context"
	"io"
	"sync"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/pool"
	"github.com/tier-cli/tier/internal/quota"
)

// keyState is an App's key machinery, built on first use: the keys Manager
// (for the keys commands) and the run's keys.Session (for every key sent:
// each resolved once, reminders once, see keys.Session).
type keyState struct {
	mu      sync.Mutex
	built   bool
	mgr     *keys.Manager
	session *keys.Session
	err     error
}

// KeyManager is the run's keys Manager (the keyring of the factory, state
// and config directories from the environment).
func (a *App) KeyManager() (*keys.Manager, error) {
	m, _, err := a.keySession()
	return m, err
}

// keySession returns the keys Manager and the run's keys Session on it.
func (a *App) keySession() (*keys.Manager, *keys.Session, error) {
	ks := &a.keys
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if !ks.built {
		ks.built = true
		ks.mgr, ks.err = a.newKeyManager()
		if ks.err == nil {
			ks.session = ks.mgr.NewSession(ks.mgr.CmdStderr)
		}
	}
	return ks.mgr, ks.session, ks.err
}

func (a *App) newKeyManager() (*keys.Manager, error) {
	m, err := keys.New(a.cfg.Getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	// Reminders and key_cmd's stderr may come from several goroutines at
	// once (a refresh asks providers concurrently).
	m.CmdStderr = &lockedWriter{w: a.cfg.Stderr}
	m.Now = a.Now
	if a.cfg.Keyring != nil {
		m.Backend = a.cfg.Keyring
	}
	return m, nil
}

// LookupKey is the key named name for profile p, to be sent to baseURL,
// with its source and fingerprint (keys.Session.Lookup: env, keyring,
// plaintext file, key_cmd; a stored key pinned to another host is refused;
// a rotation reminder on stderr at most once a day). A profile that needs
// no key gives the zero Resolved. Every failure is of KindAuth (130 when
// interrupted) with one line that says what to do.
func (a *App) LookupKey(p *catalog.Profile, name, baseURL string) (keys.Resolved, error) {
	if p.NoKey {
		return keys.Resolved{}, nil
	}
	_, s, err := a.keySession()
	if err != nil {
		return keys.Resolved{}, authErr(err)
	}
	r, err := s.Lookup(context.Background(), p, name, baseURL)
	if err != nil {
		return keys.Resolved{}, authErr(err)
	}
	return r, nil
}

// KeyInfo is the overview's view of a stored key's metadata: when it was
// created and the credit grant recorded with it (keys.Session.MetaInUse:
// none for a default key an environment variable overrides with another
// key).
func (a *App) KeyInfo(provider, name string) (overview.KeyInfo, bool) {
	_, s, err := a.keySession()
	if err != nil {
		return overview.KeyInfo{}, false
	}
	var p *catalog.Profile
	if c, err := a.Catalog(); err == nil {
		p = c.Providers[provider]
	}
	return overview.KeyInfoOf(s.MetaInUse(p, provider, name))
}

// KeysProfile is the catalog profile of a provider whose key is managed
// (not the demo, nor a no_key profile).
func (a *App) KeysProfile(name string) (*catalog.Profile, error) {
	c, err := a.Catalog()
	if err != nil {
		return nil, err
	}
	p, err := c.Profile(name)
	if err != nil {
		return nil, usageErr(err)
	}
	if p.NoKey || p.Demo {
		return nil, usagef("%s needs no key: 'tier chat -p %s' works without one", p.Name, p.Name)
	}
	return p, nil
}

// KeyProfiles is what listing and checking every key takes: the catalog's
// profiles with their base URLs resolved (catalog.Resolved: pins are
// checked against them) and the keys Manager.
func (a *App) KeyProfiles() (map[string]*catalog.Profile, *keys.Manager, error) {
	c, err := a.Catalog()
	if err != nil {
		return nil, nil, err
	}
	m, err := a.KeyManager()
	if err != nil {
		return nil, nil, err
	}
	return c.Resolved(a.cfg.Getenv), m, nil
}

// BaseURL is where keys of p are verified.
func (a *App) BaseURL(p *catalog.Profile) (string, error) {
	base, err := p.ResolveBaseURL(a.cfg.Getenv)
	if err != nil {
		return "", usageErr(err)
	}
	return base, nil
}

// EnvOverride is the environment variable that overrides p's stored key
// name, "" if none is set.
func (a *App) EnvOverride(p *catalog.Profile, name string) string {
	v, _ := keys.EnvKey(p, name, a.cfg.Getenv)
	return v
}

// StoredKeyNames are the names of provider's stored keys, sorted as pools
// sort them ("*" in a pool's keys).
func (a *App) StoredKeyNames(provider string) []string {
	m, err := a.KeyManager()
	if err != nil {
		return nil
	}
	all, err := m.AllMeta()
	if err != nil {
		return nil
	}
	var names []string
	for n := range all[provider] {
		names = append(names, n)
	}
	return pool.SortKeys(names)
}

// keyExists says whether provider p has a key named name that tier could
// use or has used: one with stored metadata (tier keys set), the default
// one from the environment or key_cmd (or none needed), or one with quota
// seen under it.
func (a *App) keyExists(p *catalog.Profile, name string, seen []quota.Snapshot) bool {
	if name == "" || name == keys.DefaultName {
		if p.NoKey || p.Demo || p.KeyCmd != "" {
			return true
		}
		if a.EnvOverride(p, name) != "" {
			return true
		}
	}
	for _, s := range seen {
		if s.Provider == p.Name && s.Key == name {
			return true
		}
	}
	m, err := a.KeyManager()
	if err != nil {
		return false
	}
	meta, _ := m.AllMeta()
	return meta[p.Name][name] != nil
}

// CheckKeyNamed refuses --key NAME for a named provider that has no such
// key and no quota seen under it: its row would be the catalog's limits
// for a key that does not exist.
func (a *App) CheckKeyNamed(names []string, key string) error {
	if key == "" || len(names) == 0 {
		return nil
	}
	cat, err := a.Catalog()
	if err != nil {
		return err
	}
	st, err := a.Store()
	if err != nil {
		return err
	}
	seen, _ := st.Snapshots()
	for _, name := range names {
		p, err := cat.Profile(name)
		if err != nil {
			return usageErr(err)
		}
		if !a.keyExists(p, key, seen) {
			return authf("%s has no key named %q: 'tier keys list' shows the keys there are, 'tier keys set %s --name %s' adds one", name, key, name, key)
		}
	}
	return nil
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
