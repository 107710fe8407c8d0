package keys

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
)

// filesContaining returns the files under dirs that hold any 5-character
// piece of secret (a fingerprint shows 4).
func filesContaining(t *testing.T, secret string, dirs ...string) []string {
	t.Helper()
	var hits []string
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i+5 <= len(secret); i++ {
				if bytes.Contains(b, []byte(secret[i:i+5])) {
					hits = append(hits, path)
					break
				}
			}
			return nil
		})
	}
	return hits
}

// After every operation, nothing tier wrote (state and config directories)
// holds any part of a key beyond its fingerprint; the plaintext file is
// the only exception, and only when asked for.
func TestNothingWrittenHoldsAKey(t *testing.T) {
	// Distinct characters throughout, so that a 5-character window can
	// only match the key itself.
	secrets := []string{"TESTKEYabcdefghijklmn", "TESTKEYopqrstuvwxyzAB", "TESTKEYCDEFGHIJKLMNOP", "TESTKEYQRSUVWXYZ01234"}
	te := newTestEnv(t)
	te.m.HTTP = nil
	srv := newAcceptAll(t)
	te.profile.BaseURL = srv + "/v1"
	ctx := t.Context()
	profiles := map[string]*catalog.Profile{"groq": te.profile}

	steps := []struct {
		name string
		run  func() error
	}{
		{"set", func() error {
			_, err := te.m.Set(ctx, "groq", "", secrets[0], SetOptions{BaseURL: te.profile.BaseURL, Grant: &Grant{Amount: 5, Unit: "USD"}})
			return err
		}},
		{"set named", func() error {
			_, err := te.m.Set(ctx, "groq", "work", secrets[2], SetOptions{NoVerify: true})
			return err
		}},
		{"rotate", func() error {
			_, err := te.m.Rotate(ctx, "groq", "", secrets[1], RotateOptions{BaseURL: te.profile.BaseURL})
			return err
		}},
		{"test", func() error { _, _, err := te.m.Test(ctx, te.profile, "", ""); return err }},
		{"rollback", func() error { _, err := te.m.Rollback("groq", ""); return err }},
		{"reminder", func() error {
			*te.now = t0.Add(200 * 24 * time.Hour)
			_, err := te.m.Reminder("groq", "")
			return err
		}},
		{"list and doctor", func() error {
			te.env["GROQ_API_KEY"] = secrets[3]
			_, err := te.m.List(profiles, nil)
			te.m.Doctor(ctx, profiles)
			return err
		}},
		{"resolve from env and key_cmd", func() error {
			if _, err := te.m.KeyFor(ctx, te.profile, "", ""); err != nil {
				return err
			}
			delete(te.env, "GROQ_API_KEY")
			te.profile.KeyCmd = "echo " + secrets[3]
			_, err := te.m.Resolve(ctx, te.profile, "work")
			return err
		}},
		{"remove", func() error { return te.m.Remove("groq", "work") }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		for _, secret := range secrets {
			if hits := filesContaining(t, secret, te.m.Store.Dir, te.m.ConfigDir); len(hits) > 0 {
				t.Fatalf("after %s, part of key %s is in %v", s.name, Fingerprint(secret), hits)
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(te.m.Store.Dir, "keys.json")); err != nil || !strings.Contains(string(b), `"fingerprint":"…klmn"`) {
		t.Fatalf("keys.json was not written as expected (%v):\n%s", err, b)
	}

	// Asked for: the plaintext file holds the key, and only it does.
	if _, err := te.m.Set(ctx, "groq", "plain", secrets[3], SetOptions{NoVerify: true, Insecure: true}); err != nil {
		t.Fatal(err)
	}
	hits := filesContaining(t, secrets[3], te.m.Store.Dir, te.m.ConfigDir)
	if len(hits) != 1 || hits[0] != te.m.InsecurePath() {
		t.Errorf("files holding the plaintext key: %v, want only %s", hits, te.m.InsecurePath())
	}
}

func newAcceptAll(t *testing.T) string {
	fp := newFakeProvider(t)
	fp.Config.Handler = acceptAll{}
	return fp.URL
}
