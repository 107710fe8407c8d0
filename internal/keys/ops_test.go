package keys

import (
	"errors"
	"github.com/tier-cli/tier/internal/catalog"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestSet(t *testing.T) {
	grant := &Grant{Amount: 5, Unit: "USD", Granted: t0, Expires: t0.AddDate(0, 3, 0)}
	tests := []struct {
		name        string
		secret      string
		opts        SetOptions
		keyringErr  error
		wantErr     error  // kind, or nil
		wantErrText string // substring
		wantBackend string // "" = nothing stored
		wantPinned  bool   // verified, and recorded as such
		wantHost    string // the host in the stored item; "fake" is the fake provider's
		wantCalls   int    // requests to the provider
	}{
		{name: "good key is verified and stored", secret: goodKey, wantBackend: BackendKeyring, wantPinned: true, wantHost: "fake", wantCalls: 1},
		{name: "refused key is not stored", secret: badKey, wantErr: ErrRefused, wantErrText: "refused the key (401): it is wrong, revoked or for another provider; nothing was stored", wantCalls: 1},
		{name: "no-verify stores without asking, pinned to the host it is for", secret: badKey, opts: SetOptions{NoVerify: true}, wantBackend: BackendKeyring, wantHost: "fake"},
		{name: "unreachable host: stored unverified, pinned to that host", secret: goodKey, opts: SetOptions{BaseURL: "http://127.0.0.1:1/v1"},
			wantBackend: BackendKeyring, wantHost: "127.0.0.1:1"},
		{name: "keyring down: error, no plaintext fallback", secret: goodKey, keyringErr: &UnavailableError{Reason: "no D-Bus session bus"},
			wantErr: ErrUnavailable, wantErrText: "or keep it in a plaintext file with 'tier keys set groq --insecure-storage'", wantCalls: 1},
		{name: "keyring hangs: error", secret: goodKey, keyringErr: ErrTimeout, wantErr: ErrTimeout, wantCalls: 1},
		{name: "insecure storage when asked", secret: goodKey, opts: SetOptions{Insecure: true}, keyringErr: &UnavailableError{Reason: "no D-Bus session bus"},
			wantBackend: BackendFile, wantPinned: true, wantHost: "fake", wantCalls: 1},
		{name: "spaces are refused", secret: "Bearer " + goodKey, wantErrText: "contains spaces"},
		{name: "too long is refused", secret: strings.Repeat("k", MaxKeyLen+1), wantErrText: sprintf("%d bytes", MaxKeyLen+1)},
		{name: "grant and rotation period are kept", secret: goodKey, opts: SetOptions{Grant: grant, RotateAfter: 30 * 24 * time.Hour},
			wantBackend: BackendKeyring, wantPinned: true, wantHost: "fake", wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := newTestEnv(t)
			if tt.keyringErr != nil {
				te.b.fail = func(string, string, string) error { return tt.keyringErr }
			}
			opts := tt.opts
			if opts.BaseURL == "" {
				opts.BaseURL = te.profile.BaseURL
			}
			res, err := te.m.Set(t.Context(), "groq", "", tt.secret, opts)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErrText != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErrText)) {
				t.Errorf("err = %v, want %q", err, tt.wantErrText)
			}
			if err != nil && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("the error shows the key: %v", err)
			}
			if got := te.fp.count(); got != tt.wantCalls {
				t.Errorf("%d requests to the provider, want %d", got, tt.wantCalls)
			}
			k := te.meta(t, "default")
			keyringKey, keyringHost := te.keyringPin(t, "default")
			inKeyring := keyringKey == tt.secret
			inFile, fileHost := te.file(t, "default")
			wantHost := tt.wantHost
			if wantHost == "fake" {
				wantHost = strings.TrimPrefix(te.fp.URL, "http://")
			}
			if host := keyringHost + fileHost; tt.wantBackend != "" && host != wantHost {
				t.Errorf("the stored key is pinned to %q, want %q", host, wantHost)
			}
			switch tt.wantBackend {
			case "":
				if err == nil || k != nil || inKeyring || inFile != "" {
					t.Fatalf("something was stored: err %v, meta %+v, keyring %v, file %v", err, k, inKeyring, inFile != "")
				}
				if _, serr := os.Stat(te.m.InsecurePath()); serr == nil {
					t.Errorf("the plaintext file was created")
				}
				return
			case BackendKeyring:
				if !inKeyring || inFile != "" {
					t.Errorf("keyring %v, file %v; want keyring only", inKeyring, inFile != "")
				}
			case BackendFile:
				if inFile != tt.secret || res.Path != te.m.InsecurePath() {
					t.Errorf("file has the key: %v, path %q", inFile == tt.secret, res.Path)
				}
			}
			if err != nil {
				t.Fatalf("Set: %v", err)
			}
			want := &KeyMeta{Provider: "groq", Name: "default", Fingerprint: Fingerprint(tt.secret), Backend: tt.wantBackend,
				Created: t0, RotateAfter: Duration(DefaultRotateAfter), Grant: tt.opts.Grant}
			if tt.opts.RotateAfter != 0 {
				want.RotateAfter = Duration(tt.opts.RotateAfter)
			}
			if tt.wantPinned {
				want.LastVerified, want.VerifiedHost = t0, strings.TrimPrefix(te.fp.URL, "http://")
			}
			if !reflect.DeepEqual(k, want) {
				t.Errorf("metadata\n got %+v\nwant %+v", k, want)
			}
			if res.Backend != tt.wantBackend || res.Fingerprint != Fingerprint(tt.secret) {
				t.Errorf("result %+v", res)
			}
		})
	}
}

// Moving a key between the keyring and the plaintext file leaves one copy.
func TestSetMovesBetweenStores(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{Insecure: true})
	te.set(t, "", goodKey2, SetOptions{})
	if s, err := te.m.fileGet("groq", "default"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after set to the keyring the plaintext copy is still there (%s, %v)", Fingerprint(s), err)
	}
	te.set(t, "", goodKey3, SetOptions{Insecure: true})
	if s := te.keyring(t, "default"); s != "<"+ErrNotFound.Error()+">" {
		t.Errorf("after an insecure set the keyring still holds %s, which would shadow the file", Fingerprint(s))
	}
	r, err := te.m.Resolve(t.Context(), te.profile, "")
	if err != nil || r.Key != goodKey3 || r.Source != SourceFile {
		t.Errorf("Resolve = %v, %v", r, err)
	}
}

func TestInsecureFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes")
	}
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{Insecure: true})
	fi, err := os.Stat(te.m.InsecurePath())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 600", fi.Mode().Perm())
	}
	if !strings.HasSuffix(te.m.InsecurePath(), "keys.insecure.json") {
		t.Errorf("path %s", te.m.InsecurePath())
	}
	// Readable by others: refused, like ssh does.
	os.Chmod(te.m.InsecurePath(), 0o644)
	_, err = te.m.Resolve(t.Context(), te.profile, "")
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("Resolve with a world-readable file: %v", err)
	}
}

func TestConfigDir(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"TIER_CONFIG_DIR": "/c", "XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/c"},
		{map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/x/tier"},
		{map[string]string{"XDG_CONFIG_HOME": "relative", "HOME": "/h"}, "/h/.config/tier"},
		{map[string]string{"HOME": "/h"}, "/h/.config/tier"},
	}
	for _, tt := range tests {
		got, err := ConfigDir(envOf(tt.env))
		if err != nil || filepathToSlash(got) != tt.want {
			t.Errorf("ConfigDir(%v) = %q, %v; want %q", tt.env, got, err, tt.want)
		}
	}
}

// rotationInvariant fails the test if, after any keyring write, the key
// under "default" is missing or is neither the old nor the new key.
func rotationInvariant(t *testing.T, te *testEnv, allowed ...string) {
	te.b.after = func(op, service, user string) {
		s, err := te.b.MemoryBackend.Get(Service("groq"), "default")
		if err != nil {
			t.Errorf("after %s %s: no key under default (%v)", op, user, err)
			return
		}
		s, _ = OpenSecret(s)
		for _, a := range allowed {
			if s == a {
				return
			}
		}
		t.Errorf("after %s %s: default holds %s", op, user, Fingerprint(s))
	}
}

func TestRotate(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{})
	rotationInvariant(t, te, goodKey, goodKey2)
	te.b.ops = nil
	*te.now = t0.Add(48 * time.Hour)

	res, err := te.m.Rotate(t.Context(), "groq", "", goodKey2, RotateOptions{BaseURL: te.profile.BaseURL})
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	wantOps := []string{"get default", "get default.previous", "set default.previous", "set default"}
	if !reflect.DeepEqual(te.b.ops, wantOps) {
		t.Errorf("keyring calls %q, want %q", te.b.ops, wantOps)
	}
	if te.keyring(t, "default") != goodKey2 || te.keyring(t, "default.previous") != goodKey {
		t.Errorf("after rotate: default %s, previous %s", Fingerprint(te.keyring(t, "default")), Fingerprint(te.keyring(t, "default.previous")))
	}
	if res.Fingerprint != "…0002" || res.PreviousFingerprint != "…0001" || res.Verify.Status != VerifyOK {
		t.Errorf("result %+v", res)
	}
	k := te.meta(t, "default")
	host := strings.TrimPrefix(te.fp.URL, "http://")
	want := &KeyMeta{Provider: "groq", Name: "default", Fingerprint: "…0002", Backend: BackendKeyring, Created: t0,
		LastRotated: *te.now, LastVerified: *te.now, VerifiedHost: host, RotateAfter: Duration(DefaultRotateAfter),
		Previous: &PreviousKey{Fingerprint: "…0001", Since: t0, LastVerified: t0, VerifiedHost: host}}
	if !reflect.DeepEqual(k, want) {
		t.Errorf("metadata\n got %+v %+v\nwant %+v %+v", k, k.Previous, want, want.Previous)
	}
}

// Whatever goes wrong, a rotation leaves the current key in place and
// changes nothing else.
func TestRotateFailureChangesNothing(t *testing.T) {
	const olderKey = "test-key-good-0000"
	tests := []struct {
		name    string
		newKey  string
		opts    RotateOptions
		fail    func(op, service, user string) error
		hadPrev bool
		wantErr string
	}{
		{name: "refused new key", newKey: badKey, wantErr: "refused the key (401): it is wrong, revoked or for another provider; nothing was changed"},
		{name: "unreachable", newKey: goodKey2, opts: RotateOptions{BaseURL: "http://127.0.0.1:1/v1"}, wantErr: "nothing was changed (retry later, or skip the check with --no-verify)"},
		{name: "same key", newKey: goodKey, wantErr: "is the one already stored"},
		{name: "keeping the previous fails", newKey: goodKey2, fail: failOn("set", "default.previous"), wantErr: "nothing was changed"},
		{name: "storing the new key fails", newKey: goodKey2, fail: failOn("set", "default"), wantErr: "the current key …0001 is still in use"},
		{name: "storing the new key fails, an older previous is restored", newKey: goodKey2, fail: failOn("set", "default"), hadPrev: true,
			wantErr: "the current key …0001 is still in use"},
		{name: "keyring hangs", newKey: goodKey2, fail: func(op, s, u string) error { return ErrTimeout }, wantErr: "keyring did not answer in time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := newTestEnv(t)
			te.set(t, "", goodKey, SetOptions{})
			if tt.hadPrev {
				te.b.MemoryBackend.Set(Service("groq"), "default.previous", olderKey)
			}
			beforeMeta := te.meta(t, "default")
			beforeUsers := te.b.Users(Service("groq"))
			beforePrev := te.keyring(t, "default.previous")
			rotationInvariant(t, te, goodKey, tt.newKey)
			te.b.fail = tt.fail
			opts := tt.opts
			if opts.BaseURL == "" {
				opts.BaseURL = te.profile.BaseURL
			}
			_, err := te.m.Rotate(t.Context(), "groq", "", tt.newKey, opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			te.b.fail = nil
			if got := te.keyring(t, "default"); got != goodKey {
				t.Errorf("default holds %s, want the old key", Fingerprint(got))
			}
			if got := te.keyring(t, "default.previous"); got != beforePrev {
				t.Errorf("default.previous holds %s, was %s", Fingerprint(got), Fingerprint(beforePrev))
			}
			if got := te.b.Users(Service("groq")); !reflect.DeepEqual(got, beforeUsers) {
				t.Errorf("keyring entries %v, were %v", got, beforeUsers)
			}
			if got := te.meta(t, "default"); !reflect.DeepEqual(got, beforeMeta) {
				t.Errorf("metadata changed: %+v -> %+v", beforeMeta, got)
			}
		})
	}
}

func failOn(op, user string) func(string, string, string) error {
	return func(o, s, u string) error {
		if o == op && u == user {
			return &UnavailableError{Reason: "injected failure"}
		}
		return nil
	}
}

func TestRotateNeedsAStoredKey(t *testing.T) {
	te := newTestEnv(t)
	te.env["GROQ_API_KEY"] = goodKey
	_, err := te.m.Rotate(t.Context(), "groq", "", goodKey2, RotateOptions{BaseURL: te.profile.BaseURL})
	if !errors.Is(err, ErrNotStored) || err.Error() != "no stored key for groq: run 'tier keys set groq'" {
		t.Errorf("err = %v", err)
	}
}

func TestRotateAndRollbackInTheFile(t *testing.T) {
	te := newTestEnv(t)
	te.b.fail = func(string, string, string) error { return &UnavailableError{Reason: "no D-Bus session bus"} }
	te.set(t, "", goodKey, SetOptions{Insecure: true})
	if _, err := te.m.Rotate(t.Context(), "groq", "", goodKey2, RotateOptions{BaseURL: te.profile.BaseURL}); err != nil {
		t.Fatal(err)
	}
	if s, _ := te.file(t, "default"); s != goodKey2 {
		t.Errorf("file default = %s", Fingerprint(s))
	}
	if s, _ := te.file(t, "default.previous"); s != goodKey {
		t.Errorf("file default.previous = %s", Fingerprint(s))
	}
	if _, err := te.m.Rollback("groq", ""); err != nil {
		t.Fatal(err)
	}
	r, err := te.m.Resolve(t.Context(), te.profile, "")
	if err != nil || r.Key != goodKey || r.Source != SourceFile {
		t.Errorf("after rollback: %v, %v", r, err)
	}
}

func TestRollback(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{})
	if _, err := te.m.Rollback("groq", ""); !errors.Is(err, ErrNotStored) ||
		err.Error() != "no previous key for groq to roll back to: rollback undoes 'tier keys rotate groq'" {
		t.Fatalf("rollback with no previous: %v", err)
	}
	*te.now = t0.Add(24 * time.Hour)
	if _, err := te.m.Rotate(t.Context(), "groq", "", goodKey2, RotateOptions{BaseURL: te.profile.BaseURL}); err != nil {
		t.Fatal(err)
	}
	rotationInvariant(t, te, goodKey, goodKey2)

	res, err := te.m.Rollback("groq", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Fingerprint != "…0001" || res.PreviousFingerprint != "…0002" {
		t.Errorf("result %+v", res)
	}
	if te.keyring(t, "default") != goodKey || te.keyring(t, "default.previous") != goodKey2 {
		t.Errorf("after rollback: default %s, previous %s", Fingerprint(te.keyring(t, "default")), Fingerprint(te.keyring(t, "default.previous")))
	}
	k := te.meta(t, "default")
	if k.Fingerprint != "…0001" || !k.LastRotated.IsZero() || k.Since() != t0 || k.Previous.Fingerprint != "…0002" || k.Previous.Since != t0.Add(24*time.Hour) {
		t.Errorf("metadata after rollback: %+v %+v", k, k.Previous)
	}
	// Rolling back again is refused: it would swap back to the key the
	// rollback turned away from.
	te.b.after = nil
	if _, err := te.m.Rollback("groq", ""); err == nil || errors.Is(err, ErrNotStored) ||
		err.Error() != "already rolled back: …0001 is in use and …0002 is the previous key; to use …0002 again, run 'tier keys rotate groq' and paste it" {
		t.Fatalf("a second rollback: %v", err)
	}
	if te.keyring(t, "default") != goodKey || te.keyring(t, "default.previous") != goodKey2 {
		t.Errorf("a refused rollback changed the keys")
	}
	// A rotation after the rollback can be rolled back again.
	if _, err := te.m.Rotate(t.Context(), "groq", "", goodKey3, RotateOptions{BaseURL: te.profile.BaseURL}); err != nil {
		t.Fatal(err)
	}
	if res, err := te.m.Rollback("groq", ""); err != nil || res.Fingerprint != "…0001" {
		t.Fatalf("rollback after another rotation: %+v, %v", res, err)
	}
}

func TestRollbackFailureKeepsCurrentKey(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{})
	if _, err := te.m.Rotate(t.Context(), "groq", "", goodKey2, RotateOptions{BaseURL: te.profile.BaseURL}); err != nil {
		t.Fatal(err)
	}
	before := te.meta(t, "default")
	te.b.fail = failOn("set", "default.previous")
	if _, err := te.m.Rollback("groq", ""); err == nil || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("err = %v", err)
	}
	te.b.fail = nil
	if te.keyring(t, "default") != goodKey2 || te.keyring(t, "default.previous") != goodKey {
		t.Errorf("a failed rollback changed the keys")
	}
	if got := te.meta(t, "default"); !reflect.DeepEqual(got, before) {
		t.Errorf("a failed rollback changed the metadata")
	}
}

func TestRemove(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{})
	te.m.Rotate(t.Context(), "groq", "", goodKey2, RotateOptions{BaseURL: te.profile.BaseURL})
	te.set(t, "work", goodKey3, SetOptions{})

	// The keyring is out of reach: nothing is forgotten.
	te.b.fail = func(string, string, string) error { return ErrTimeout }
	if err := te.m.Remove("groq", ""); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Remove with the keyring hung: %v", err)
	}
	te.b.fail = nil
	if te.meta(t, "default") == nil {
		t.Fatal("metadata was dropped although the key could not be removed")
	}

	if err := te.m.Remove("groq", ""); err != nil {
		t.Fatal(err)
	}
	if got := te.b.Users(Service("groq")); !reflect.DeepEqual(got, []string{"work"}) {
		t.Errorf("keyring entries left: %v, want [work]", got)
	}
	if te.meta(t, "default") != nil || te.meta(t, "work") == nil {
		t.Errorf("metadata: default %v, work %v", te.meta(t, "default"), te.meta(t, "work"))
	}
	if err := te.m.Remove("groq", ""); !errors.Is(err, ErrNotStored) {
		t.Errorf("second Remove: %v, want ErrNotStored", err)
	}
}

func TestRemoveFileKey(t *testing.T) {
	te := newTestEnv(t)
	te.b.fail = func(string, string, string) error { return &UnavailableError{Reason: "no D-Bus session bus"} }
	te.set(t, "", goodKey, SetOptions{Insecure: true})
	if err := te.m.Remove("groq", ""); err != nil {
		t.Fatalf("Remove of a file key with no keyring: %v", err)
	}
	if _, err := te.m.fileGet("groq", "default"); !errors.Is(err, ErrNotFound) || te.meta(t, "default") != nil {
		t.Errorf("file key or metadata left: %v", err)
	}
}

func TestRemoveAll(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{})
	te.set(t, "work", goodKey2, SetOptions{Insecure: true})
	if _, err := te.m.Set(t.Context(), "cerebras", "", goodKey3, SetOptions{NoVerify: true}); err != nil {
		t.Fatal(err)
	}
	if err := te.m.RemoveAll("groq"); err != nil {
		t.Fatal(err)
	}
	if got := te.b.Users(Service("groq")); len(got) != 0 {
		t.Errorf("groq keyring entries left: %v", got)
	}
	if _, err := te.m.fileGet("groq", "work"); !errors.Is(err, ErrNotFound) {
		t.Errorf("groq file key left")
	}
	all, _ := te.m.AllMeta()
	if _, ok := all["groq"]; ok || all["cerebras"]["default"] == nil {
		t.Errorf("metadata after RemoveAll(groq): %v", all)
	}
	if got := te.b.Users(Service("cerebras")); !reflect.DeepEqual(got, []string{"default"}) {
		t.Errorf("another provider's key was touched: %v", got)
	}
}

func TestReminderOnceADay(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{})
	te.set(t, "never", goodKey2, SetOptions{RotateAfter: -1})
	steps := []struct {
		at   time.Duration // after t0
		name string
		want string // "" = no reminder
	}{
		{89 * 24 * time.Hour, "", ""},
		{90 * 24 * time.Hour, "", "the key for groq (…0001) is 90 days old, past its rotation period of 90d: run 'tier keys rotate groq'"},
		{90*24*time.Hour + 23*time.Hour, "", ""}, // reminded less than a day ago
		{91*24*time.Hour + time.Hour, "", "the key for groq (…0001) is 91 days old, past its rotation period of 90d: run 'tier keys rotate groq'"},
		{400 * 24 * time.Hour, "never", ""},
		{400 * 24 * time.Hour, "absent", ""},
	}
	for _, s := range steps {
		*te.now = t0.Add(s.at)
		got, err := te.m.Reminder("groq", s.name)
		if err != nil || got != s.want {
			t.Errorf("at t0+%v, key %q: %q, %v; want %q", s.at, s.name, got, err, s.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := map[string]time.Duration{"90d": 90 * 24 * time.Hour, "12w": 84 * 24 * time.Hour, "36h": 36 * time.Hour, "never": -1, "1.5d": 36 * time.Hour}
	for in, want := range tests {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "-3d", "soon"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

// How the rotation reminder words the age of a key and its period: whole
// days from a day on, hours or minutes under a day.
func TestReminderWording(t *testing.T) {
	tests := []struct {
		period time.Duration
		age    time.Duration
		want   string
	}{
		{90 * 24 * time.Hour, 90 * 24 * time.Hour, "is 90 days old, past its rotation period of 90d"},
		{24 * time.Hour, 25 * time.Hour, "is 1 day old, past its rotation period of 1d"},
		{36 * time.Hour, 47 * time.Hour, "is 1 day old, past its rotation period of 36h"},
		{12 * time.Hour, 13 * time.Hour, "is 13 hours old, past its rotation period of 12h"},
		{time.Hour, time.Hour + 5*time.Minute, "is 1 hour old, past its rotation period of 1h"},
		{90 * time.Minute, 100 * time.Minute, "is 1 hour old, past its rotation period of 1h30m"},
		{time.Minute, 3 * time.Minute, "is 3 minutes old, past its rotation period of 1m"},
		{time.Second, 10 * time.Second, "is less than a minute old, past its rotation period of 1s"},
	}
	for _, tt := range tests {
		te := newTestEnv(t)
		te.set(t, "", goodKey, SetOptions{RotateAfter: tt.period})
		*te.now = t0.Add(tt.age)
		got, err := te.m.Reminder("groq", "")
		if err != nil || !strings.Contains(got, "(…0001) "+tt.want+": run") {
			t.Errorf("period %v, age %v: %q, %v; want %q in it", tt.period, tt.age, got, err, tt.want)
		}
		r := te.m.Doctor(t.Context(), map[string]*catalog.Profile{"groq": te.profile})
		if !hasProblem(r, SeverityWarning, "the key for groq (…0001) "+tt.want, "tier keys rotate groq") {
			t.Errorf("period %v, age %v: doctor says %+v", tt.period, tt.age, r.Problems)
		}
	}
}

// Setting a key over another keeps the old one as the previous key, with
// its host pin, as rotate does, so that a rollback restores it.
func TestSetKeepsThePreviousKey(t *testing.T) {
	for _, insecure := range []bool{false, true} {
		te := newTestEnv(t)
		te.set(t, "", goodKey, SetOptions{Insecure: insecure})
		res := te.set(t, "", goodKey2, SetOptions{Insecure: insecure})
		stored := func(user string) (string, string) {
			if insecure {
				return te.file(t, user)
			}
			return te.keyringPin(t, user)
		}
		host := strings.TrimPrefix(te.fp.URL, "http://")
		if k, h := stored("default"); k != goodKey2 || h != host {
			t.Errorf("insecure=%v: default holds %s pinned to %q", insecure, Fingerprint(k), h)
		}
		if k, h := stored("default.previous"); k != goodKey || h != host {
			t.Errorf("insecure=%v: default.previous holds %s pinned to %q, want the replaced key", insecure, Fingerprint(k), h)
		}
		if res.PreviousFingerprint != "…0001" || !res.PreviousKept {
			t.Errorf("insecure=%v: result %+v", insecure, res)
		}
		if m := te.meta(t, "default"); m.Previous == nil || m.Previous.Fingerprint != "…0001" || m.Previous.VerifiedHost != host {
			t.Errorf("insecure=%v: metadata's previous key: %+v", insecure, m.Previous)
		}
		if _, err := te.m.Rollback("groq", ""); err != nil {
			t.Fatal(err)
		}
		if r, err := te.m.KeyFor(t.Context(), te.profile, "", ""); err != nil || r.Key != goodKey {
			t.Errorf("insecure=%v: after rollback: %v, %v", insecure, r, err)
		}
		// The same key again is no replacement.
		if res := te.set(t, "", goodKey, SetOptions{Insecure: insecure}); res.PreviousFingerprint != "" || res.PreviousKept {
			t.Errorf("insecure=%v: setting the same key again: %+v", insecure, res)
		}
	}
}
