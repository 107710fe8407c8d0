package keys

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/tier-cli/tier/internal/catalog"
)

// A session resolves each key once, even when asked concurrently: the
// key_cmd runs once; the answer carries source and fingerprint.
func TestSessionLooksUpOnce(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("fixtures use sh")
	}
	te := newTestEnv(t)
	count := filepath.Join(t.TempDir(), "runs")
	te.profile.KeyCmd = "echo run >> " + count + "; echo " + goodKey
	s := te.m.NewSession(nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Lookup(t.Context(), te.profile, "", "")
			if err != nil || r.Key != goodKey || r.Source != SourceCmd || r.Fingerprint() != Fingerprint(goodKey) {
				t.Errorf("Lookup = %v, %v; want cmd %s", r, err, Fingerprint(goodKey))
			}
		}()
	}
	wg.Wait()
	if b, _ := os.ReadFile(count); strings.Count(string(b), "run") != 1 {
		t.Errorf("key_cmd ran %d times, want once", strings.Count(string(b), "run"))
	}
	te.env["GROQ_API_KEY"] = goodKey2 // a key looked up stays the one of this run
	if r, _ := s.Lookup(t.Context(), te.profile, DefaultName, ""); r.Key != goodKey {
		t.Errorf("second Lookup = %v, want the first answer", r)
	}
	if r, _ := te.m.NewSession(nil).Lookup(t.Context(), te.profile, "", ""); r.Source != EnvSource("GROQ_API_KEY") {
		t.Errorf("new session: %v, want env:GROQ_API_KEY", r)
	}
}

// A keyring that did not answer once is not asked again in the session.
func TestSessionKeyringFailsOnce(t *testing.T) {
	te := newTestEnv(t)
	calls := 0
	te.b.fail = func(op, service, user string) error {
		if op == "get" {
			calls++
			return ErrTimeout
		}
		return nil
	}
	s := te.m.NewSession(nil)
	other := *te.profile
	other.Name = "cerebras"
	for range 2 {
		for _, p := range []*catalog.Profile{te.profile, &other} {
			if _, err := s.Lookup(t.Context(), p, "", ""); err == nil {
				t.Errorf("Lookup(%s) on a keyring that times out found a key", p.Name)
			}
		}
	}
	if calls != 1 {
		t.Errorf("the keyring was asked %d times, want once", calls)
	}
}

// A stored key past its rotation period is reminded of once per session,
// and MetaInUse drops the record of a default key the environment
// overrides with another key.
func TestSessionReminderAndMeta(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{})
	*te.now = te.now.AddDate(0, 0, 100)
	var stderr bytes.Buffer
	s := te.m.NewSession(&stderr)
	for range 2 {
		if r, err := s.Lookup(t.Context(), te.profile, "", ""); err != nil || r.Source != SourceKeyring {
			t.Fatalf("Lookup = %v, %v", r, err)
		}
	}
	if n := strings.Count(stderr.String(), "tier: "); n != 1 || !strings.Contains(stderr.String(), "rotate") {
		t.Errorf("reminders: %q, want one", stderr.String())
	}
	if k := s.MetaInUse(te.profile, "groq", ""); k == nil || k.Fingerprint != Fingerprint(goodKey) {
		t.Errorf("MetaInUse = %+v", k)
	}
	te.env["GROQ_API_KEY"] = goodKey
	if k := s.MetaInUse(te.profile, "groq", DefaultName); k == nil {
		t.Errorf("MetaInUse with the same key in the environment = nil")
	}
	te.env["GROQ_API_KEY"] = goodKey2
	if k := s.MetaInUse(te.profile, "groq", DefaultName); k != nil {
		t.Errorf("MetaInUse with another key in the environment = %+v, want nil", k)
	}
}
