package cli

import (
	"context"
	"io"
	"sync"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/overview"
)

// keyState is an app's key machinery, built on first use: the keys
// Manager (for the keys commands) and the run's keys.Session (for every
// key sent: each resolved once, reminders once, see keys.Session).
type keyState struct {
	mu      sync.Mutex
	built   bool
	mgr     *keys.Manager
	session *keys.Session
	err     error
}

func (a *app) keyState() *keyState { return &a.keys }

// keyManager returns the app's keys Manager (OS keyring, state and config
// directories from the environment).
func (a *app) keyManager() (*keys.Manager, error) {
	m, _, err := a.keySession()
	return m, err
}

// keySession returns the app's keys Manager and the run's keys Session on it.
func (a *app) keySession() (*keys.Manager, *keys.Session, error) {
	ks := a.keyState()
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

func (a *app) newKeyManager() (*keys.Manager, error) {
	m, err := keys.New(a.env.Getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	// Reminders and key_cmd's stderr may come from several goroutines at
	// once (a refresh asks providers concurrently).
	m.CmdStderr = &lockedWriter{w: a.env.Stderr}
	m.Now = a.now
	if a.env.Keyring != nil {
		m.Backend = a.env.Keyring
	}
	return m, nil
}

// lookupKey is the key named name for profile p, to be sent to baseURL,
// with its source and fingerprint (keys.Session.Lookup: env, keyring,
// plaintext file, key_cmd; a stored key pinned to another host is
// refused; a rotation reminder on stderr at most once a day). A profile
// that needs no key gives the zero Resolved. Every failure is exit code 3
// (130 when interrupted) with one line that says what to do.
func (a *app) lookupKey(p *catalog.Profile, name, baseURL string) (keys.Resolved, error) {
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

// key is the secret of lookupKey.
func (a *app) key(p *catalog.Profile, name, baseURL string) (string, error) {
	r, err := a.lookupKey(p, name, baseURL)
	return r.Key, err
}

// keyInfo is the overview's view of a stored key's metadata: when it was
// created and the credit grant recorded with it (keys.Session.MetaInUse:
// none for a default key an environment variable overrides with another
// key).
func (a *app) keyInfo(provider, name string) (overview.KeyInfo, bool) {
	_, s, err := a.keySession()
	if err != nil {
		return overview.KeyInfo{}, false
	}
	var p *catalog.Profile
	if c, err := a.catalog(); err == nil {
		p = c.Providers[provider]
	}
	return overview.KeyInfoOf(s.MetaInUse(p, provider, name))
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
