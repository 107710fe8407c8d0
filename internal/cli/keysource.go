package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/overview"
)

// Test hooks: tests put an in-memory keyring and a clock of their own in
// place of the OS keyring and time.Now. Production code never sets them.
var (
	testKeyBackend keys.Backend
	testKeyNow     func() time.Time
)

// keyState is an app's key machinery, built on first use: the keys
// Manager, a resolver that gives up on a keyring that already failed once
// in this run, the keys resolved so far (each resolved once, even when
// asked for concurrently: a key_cmd runs once per run), the key metadata,
// and the reminders already printed.
type keyState struct {
	mu       sync.Mutex
	built    bool
	mgr      *keys.Manager
	resolver *keys.Manager
	err      error
	resolved map[string]*resolveCall
	meta     map[string]map[string]*keys.KeyMeta
	metaRead bool
	reminded map[string]bool
}

type resolveCall struct {
	done chan struct{}
	r    keys.Resolved
	err  error
}

func (a *app) keyState() *keyState { return &a.keys }

// keyManager returns the app's keys Manager (OS keyring, state and config
// directories from the environment).
func (a *app) keyManager() (*keys.Manager, error) {
	ks := a.keyState()
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if !ks.built {
		ks.built = true
		ks.mgr, ks.err = a.newKeyManager()
		if ks.err == nil {
			r := *ks.mgr
			r.Backend = &stickyBackend{Backend: ks.mgr.Backend}
			ks.resolver = &r
		}
	}
	return ks.mgr, ks.err
}

func (a *app) newKeyManager() (*keys.Manager, error) {
	m, err := keys.New(a.env.Getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	m.CmdStderr = a.env.Stderr
	m.Now = a.now
	if testKeyBackend != nil {
		m.Backend = testKeyBackend
	}
	if testKeyNow != nil {
		m.Now = testKeyNow
	}
	return m, nil
}

// stickyBackend remembers the first time the keyring was unavailable or did
// not answer, and gives the same answer at once afterwards: a locked
// keyring then costs one timeout per run, not one per provider.
type stickyBackend struct {
	keys.Backend
	mu  sync.Mutex
	err error
}

func (b *stickyBackend) Get(service, user string) (string, error) {
	b.mu.Lock()
	err := b.err
	b.mu.Unlock()
	if err != nil {
		return "", err
	}
	s, err := b.Backend.Get(service, user)
	if errors.Is(err, keys.ErrUnavailable) || errors.Is(err, keys.ErrTimeout) {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
	}
	return s, err
}

// key finds the secret named name for profile p, to be sent to baseURL:
// the profile's environment variable, the keyring, the plaintext file, the
// profile's key_cmd, in that order (see keys.Manager.Resolve); a stored key
// verified for another host is refused. Every failure is exit code 3 with
// one line that says what to do. When a stored key is past its rotation
// period, a one-line reminder goes to stderr, at most once a day.
func (a *app) key(p *catalog.Profile, name, baseURL string) (string, error) {
	if p.NoKey {
		return "", nil
	}
	if name == "" {
		name = keys.DefaultName
	}
	r, err := a.resolveKey(p, name, baseURL)
	if err != nil {
		return "", keyErr(err)
	}
	if r.Source.Stored() {
		a.remind(p.Name, name)
	}
	return r.Key, nil
}

// keyOrigin says where the key for p/name comes from ("env:VAR", "keyring",
// "file", "cmd"; "" when unknown), from the run's cached resolution, so
// that a refusal can point at the right place.
func (a *app) keyOrigin(p *catalog.Profile, name, baseURL string) string {
	if p.NoKey {
		return ""
	}
	if name == "" {
		name = keys.DefaultName
	}
	r, err := a.resolveKey(p, name, baseURL)
	if err != nil {
		return ""
	}
	return string(r.Source)
}

func keyErr(err error) error {
	var ee *ExitError
	switch {
	case errors.As(err, &ee):
		return err
	case errors.Is(err, context.Canceled):
		return &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted")}
	}
	return &ExitError{Code: ExitAuth, Err: err}
}

func (a *app) resolveKey(p *catalog.Profile, name, baseURL string) (keys.Resolved, error) {
	if _, err := a.keyManager(); err != nil {
		return keys.Resolved{}, err
	}
	ks := a.keyState()
	id := p.Name + "\x00" + name + "\x00" + baseURL
	ks.mu.Lock()
	if ks.resolved == nil {
		ks.resolved = map[string]*resolveCall{}
	}
	c := ks.resolved[id]
	if c != nil {
		ks.mu.Unlock()
		<-c.done
		return c.r, c.err
	}
	c = &resolveCall{done: make(chan struct{})}
	ks.resolved[id] = c
	ks.mu.Unlock()
	c.r, c.err = ks.resolver.KeyFor(context.Background(), p, name, baseURL)
	close(c.done)
	return c.r, c.err
}

// remind prints the rotation reminder of a stored key, if one is due
// (keys.Manager.Reminder says so at most once a day).
func (a *app) remind(provider, name string) {
	ks := a.keyState()
	id := provider + "\x00" + name
	ks.mu.Lock()
	done := ks.reminded[id]
	if ks.reminded == nil {
		ks.reminded = map[string]bool{}
	}
	ks.reminded[id] = true
	m := ks.mgr
	ks.mu.Unlock()
	if done || m == nil {
		return
	}
	if msg, err := m.Reminder(provider, name); err == nil && msg != "" {
		fmt.Fprintf(a.env.Stderr, "tier: %s\n", msg)
	}
}

// keyInfo is the overview's view of a stored key's metadata: when it was
// created and the credit grant recorded with it. A default key overridden
// by an environment variable that holds another key has none: the
// metadata is about a key not in use.
func (a *app) keyInfo(provider, name string) (overview.KeyInfo, bool) {
	if name == "" {
		name = keys.DefaultName
	}
	m, err := a.keyManager()
	if err != nil {
		return overview.KeyInfo{}, false
	}
	ks := a.keyState()
	ks.mu.Lock()
	if !ks.metaRead {
		ks.metaRead = true
		ks.meta, _ = m.AllMeta()
	}
	k := ks.meta[provider][name]
	ks.mu.Unlock()
	if k == nil {
		return overview.KeyInfo{}, false
	}
	if name == keys.DefaultName {
		if c, err := a.catalog(); err == nil {
			if p, err := c.Profile(provider); err == nil {
				if _, s := keys.EnvKey(p, name, a.env.Getenv); s != "" && keys.Fingerprint(s) != k.Fingerprint {
					return overview.KeyInfo{}, false
				}
			}
		}
	}
	info := overview.KeyInfo{Created: k.Created}
	if g := k.Grant; g != nil {
		og := &overview.Grant{Amount: g.Amount, Unit: g.Unit, GrantedAt: g.Granted}
		if !g.Expires.IsZero() {
			e := g.Expires
			og.ExpiresAt = &e
		}
		info.Grant = og
	}
	return info, true
}
