package keys

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/tier-cli/tier/internal/catalog"
)

// Session is the key lookups of one run of tier, for every command that
// sends a key (chat, quota --probe/--refresh, models, and whatever calls a
// provider next):
//
//   - each key (profile, name, base URL) is resolved once, even when asked
//     for concurrently: a key_cmd runs once per run;
//   - a keyring that was unavailable or did not answer once gives the same
//     answer at once afterwards: a locked keyring costs one timeout per
//     run, not one per provider;
//   - a stored key's rotation reminder is written at most once per key per
//     run (and once a day, see Manager.Reminder);
//   - the key metadata is read once.
//
// Build one with Manager.NewSession; it is safe for concurrent use.
type Session struct {
	mgr      *Manager // reminders and metadata
	resolver *Manager // mgr on the sticky backend
	// Stderr receives the rotation reminders ("tier: ..."); nil: none.
	Stderr io.Writer

	mu       sync.Mutex
	calls    map[string]*lookupCall
	reminded map[string]bool
	meta     map[string]map[string]*KeyMeta
	metaRead bool
}

type lookupCall struct {
	done chan struct{}
	r    Resolved
	err  error
}

// NewSession returns a Session on m, writing reminders to stderr.
func (m *Manager) NewSession(stderr io.Writer) *Session {
	r := *m
	r.Backend = &stickyBackend{Backend: m.Backend}
	return &Session{mgr: m, resolver: &r, Stderr: stderr}
}

// Lookup is the one way to get a key to send: the key named name (""
// means DefaultName) of profile p for baseURL ("" means p.BaseURL), from
// the first source that has it (EnvKey, the keyring, the plaintext file,
// key_cmd: see Manager.Resolve) with the host pin checked (Manager.KeyFor).
// The answer holds the secret, its Source and its Fingerprint, so a caller
// never resolves a key twice. A stored key past its rotation period gets
// its reminder on Stderr. ctx bounds the key_cmd; callers that ask while a
// lookup is under way get its answer, so pass a context that lives as
// long as the run.
func (s *Session) Lookup(ctx context.Context, p *catalog.Profile, name, baseURL string) (Resolved, error) {
	name = normName(name)
	id := p.Name + "\x00" + name + "\x00" + baseURL
	s.mu.Lock()
	if s.calls == nil {
		s.calls = map[string]*lookupCall{}
	}
	c := s.calls[id]
	if c != nil {
		s.mu.Unlock()
		<-c.done
	} else {
		c = &lookupCall{done: make(chan struct{})}
		s.calls[id] = c
		s.mu.Unlock()
		c.r, c.err = s.resolver.KeyFor(ctx, p, name, baseURL)
		close(c.done)
	}
	if c.err == nil && c.r.Source.Stored() {
		s.remind(p.Name, name)
	}
	return c.r, c.err
}

// remind writes the rotation reminder of a stored key, if one is due, the
// first time the key is looked up in this session.
func (s *Session) remind(provider, name string) {
	id := provider + "\x00" + name
	s.mu.Lock()
	done := s.reminded[id]
	if s.reminded == nil {
		s.reminded = map[string]bool{}
	}
	s.reminded[id] = true
	s.mu.Unlock()
	if done || s.Stderr == nil {
		return
	}
	if msg, err := s.mgr.Reminder(provider, name); err == nil && msg != "" {
		fmt.Fprintf(s.Stderr, "tier: %s\n", msg)
	}
}

// MetaInUse is what tier recorded about the stored key name of provider
// (p is its profile, nil if it has none) as the key in use: nil when there
// is no record, or when p's environment variable overrides the default key
// with another key (the record is then about a key not in use).
func (s *Session) MetaInUse(p *catalog.Profile, provider, name string) *KeyMeta {
	name = normName(name)
	s.mu.Lock()
	if !s.metaRead {
		s.metaRead = true
		s.meta, _ = s.mgr.AllMeta()
	}
	k := s.meta[provider][name]
	s.mu.Unlock()
	if k == nil {
		return nil
	}
	if p != nil {
		if _, env := EnvKey(p, name, s.mgr.getenv); env != "" && Fingerprint(env) != k.Fingerprint {
			return nil
		}
	}
	return k
}

// stickyBackend remembers the first time the keyring was unavailable or did
// not answer, and gives the same answer at once afterwards.
type stickyBackend struct {
	Backend
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
	if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrTimeout) {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
	}
	return s, err
}
