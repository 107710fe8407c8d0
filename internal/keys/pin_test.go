package keys

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The host a stored key may go to is on record in the keyring item itself:
// KeyFor refuses a stored key with no host on record, whatever tier's
// metadata says or does not say.
func TestKeyForNeedsAHostOnRecord(t *testing.T) {
	const evil = "https://evil.example/v1"
	tests := []struct {
		name string
		// setup stores the key under test; te.profile points at the fake.
		setup   func(t *testing.T, te *testEnv)
		baseURL string // "" the profile's
		wantErr string // "" the key is sent
	}{
		{name: "verified: sent to its host", setup: func(t *testing.T, te *testEnv) { te.set(t, "", goodKey, SetOptions{}) }},
		{name: "verified, metadata lost: still sent to its host",
			setup: func(t *testing.T, te *testEnv) { te.set(t, "", goodKey, SetOptions{}); te.loseMeta(t) }},
		{name: "verified, metadata lost: not sent elsewhere", baseURL: evil,
			setup:   func(t *testing.T, te *testEnv) { te.set(t, "", goodKey, SetOptions{}); te.loseMeta(t) },
			wantErr: "now points at evil.example; only if you trust evil.example, run 'tier keys test groq'"},
		{name: "metadata edited to another host: the item's host wins", baseURL: evil,
			setup: func(t *testing.T, te *testEnv) {
				te.set(t, "", goodKey, SetOptions{})
				te.m.updateMeta(func(f *metaFile) error { f.get("groq", "default").VerifiedHost = "evil.example"; return nil })
			},
			wantErr: "now points at evil.example"},
		{name: "a bare key tier never recorded (secret-tool): not sent",
			setup:   func(t *testing.T, te *testEnv) { te.b.MemoryBackend.Set(Service("groq"), "default", goodKey) },
			wantErr: "the key for groq (…0001) is in the keyring, not verified for any host, so tier does not send it"},
		{name: "a bare key in the plaintext file, no record: not sent",
			setup:   func(t *testing.T, te *testEnv) { te.m.fileSet("groq", "default", goodKey) },
			wantErr: "is in the plaintext file, not verified for any host"},
		{name: "a bare key an older tier stored, with its host recorded: sent there",
			setup: func(t *testing.T, te *testEnv) {
				te.set(t, "", goodKey, SetOptions{})
				te.b.MemoryBackend.Set(Service("groq"), "default", goodKey)
			}},
		{name: "a bare key an older tier stored, with its host recorded: not sent elsewhere", baseURL: evil,
			setup: func(t *testing.T, te *testEnv) {
				te.set(t, "", goodKey, SetOptions{})
				te.b.MemoryBackend.Set(Service("groq"), "default", goodKey)
			},
			wantErr: "now points at evil.example"},
		{name: "--no-verify: pinned to the host it was stored for", baseURL: evil,
			setup: func(t *testing.T, te *testEnv) {
				te.set(t, "", goodKey, SetOptions{NoVerify: true, BaseURL: te.profile.BaseURL})
			},
			wantErr: "now points at evil.example"},
		{name: "--no-verify without a base URL: pinned to no host",
			setup: func(t *testing.T, te *testEnv) {
				if _, err := te.m.Set(t.Context(), "groq", "", goodKey, SetOptions{NoVerify: true}); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: "not verified for any host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := newTestEnv(t)
			tt.setup(t, te)
			r, err := te.m.KeyFor(t.Context(), te.profile, "", tt.baseURL)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("KeyFor: %v", err)
			case tt.wantErr == "" && r.Key != goodKey:
				t.Fatalf("KeyFor gave %s", Fingerprint(r.Key))
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("KeyFor = %v, %v; want an error with %q", r, err, tt.wantErr)
			case tt.wantErr != "" && r.Key != "":
				t.Fatalf("KeyFor returned the key with its error")
			}
		})
	}
}

// 'keys test' pins a key with no host on record, in the keyring item: the
// pin then survives the metadata.
func TestTestPinsInTheKeyring(t *testing.T) {
	te := newTestEnv(t)
	te.b.MemoryBackend.Set(Service("groq"), "default", goodKey) // stored behind tier's back
	if _, err := te.m.KeyFor(t.Context(), te.profile, "", ""); err == nil {
		t.Fatal("a key with no host on record was given out")
	}
	v, r, err := te.m.Test(t.Context(), te.profile, "", "")
	if err != nil || v.Status != VerifyOK || r.Host != "" {
		t.Fatalf("Test = %+v, %+v, %v; want OK, no host before", v, r, err)
	}
	if key, host := te.keyringPin(t, "default"); key != goodKey || host != v.Host {
		t.Fatalf("the keyring item holds %s pinned to %q, want %s pinned to %q", Fingerprint(key), host, Fingerprint(goodKey), v.Host)
	}
	te.loseMeta(t)
	if _, err := te.m.KeyFor(t.Context(), te.profile, "", ""); err != nil {
		t.Fatalf("after test, with the metadata lost: %v", err)
	}
}

func TestSealSecret(t *testing.T) {
	tests := []struct {
		name, key, host string
		wantErr         string
	}{
		{name: "plain", key: goodKey, host: "api.groq.com"},
		{name: "no host", key: goodKey},
		{name: "characters JSON escapes", key: `k"e\y<&>` + goodKey, host: "[::1]:8080"},
		{name: "the longest key with a long host fits", key: strings.Repeat("k", MaxKeyLen), host: strings.Repeat("h", 253) + ":65535"},
		{name: "over the keyring's limit", key: strings.Repeat(`"`, MaxKeyLen), host: "api.groq.com", wantErr: "the keyring holds up to 2560 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sealSecret(tt.key, tt.host)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(s) > MaxSecretLen {
				t.Fatalf("sealSecret: %d bytes, %v", len(s), err)
			}
			if key, host := OpenSecret(s); key != tt.key || host != tt.host {
				t.Errorf("OpenSecret(sealSecret()) = %s, %q", Fingerprint(key), host)
			}
		})
	}
	// What is not an envelope is a bare key with no host on record.
	for _, bare := range []string{goodKey, `{"tier_key":1,"host":"x"}`, `{"tier_key":`, `{"other":1}`} {
		if key, host := OpenSecret(bare); key != bare || host != "" {
			t.Errorf("OpenSecret(%q) = %q, %q; want it back, no host", bare, key, host)
		}
	}
}

// loseMeta deletes keys.json, as a user cleaning the state directory would.
func (te *testEnv) loseMeta(t *testing.T) {
	t.Helper()
	if err := os.Remove(filepath.Join(te.m.Store.Dir, "keys.json")); err != nil {
		t.Fatal(err)
	}
}

// A key is said to be verified for its host only when tier's record of
// that very key says the host accepted it.
func TestCheckOf(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		meta *KeyMeta
		fp   string
		want pinCheck
	}{
		{"verified there", &KeyMeta{Fingerprint: "…0001", VerifiedHost: "api.groq.com", LastVerified: at}, "…0001", pinCheckVerified},
		{"stored unverified (host unreachable, --no-verify)", &KeyMeta{Fingerprint: "…0001"}, "…0001", pinCheckUnverified},
		{"rotated unverified: the old key's host, no check of this key", &KeyMeta{Fingerprint: "…0001", VerifiedHost: "api.groq.com"}, "…0001", pinCheckUnverified},
		{"verified for another host", &KeyMeta{Fingerprint: "…0001", VerifiedHost: "other.example", LastVerified: at}, "…0001", pinCheckUnverified},
		{"no record", nil, "…0001", pinCheckUnknown},
		{"the record is of another key", &KeyMeta{Fingerprint: "…0009", VerifiedHost: "api.groq.com", LastVerified: at}, "…0001", pinCheckUnknown},
	}
	for _, tt := range tests {
		if got := checkOf(tt.meta, tt.fp, "api.groq.com"); got != tt.want {
			t.Errorf("%s: checkOf = %d, want %d", tt.name, got, tt.want)
		}
	}
}
