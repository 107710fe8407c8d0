package keys

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/store"
)

// Tests against the real OS keyring. Without a session bus they skip; under
// .ci/with-keyring (which sets TIER_WITH_KEYRING=1) they must run and pass.

func realKeyring(t *testing.T) *SystemKeyring {
	t.Helper()
	harness := os.Getenv("TIER_WITH_KEYRING") == "1"
	if Disabled(os.Getenv) {
		if harness {
			t.Fatal("TIER_NO_KEYRING is set under .ci/with-keyring")
		}
		t.Skip("TIER_NO_KEYRING is set")
	}
	if _, ok := SessionBus(os.Getenv); !ok {
		if harness {
			t.Fatal("no D-Bus session bus although running under .ci/with-keyring")
		}
		t.Skip("no D-Bus session bus: run under .ci/with-keyring to test the real Secret Service")
	}
	k := NewSystemKeyring(os.Getenv)
	if _, err := k.Get(probeService, "probe"); !errors.Is(err, ErrNotFound) {
		if harness {
			t.Fatalf("the Secret Service under .ci/with-keyring does not work: %v", err)
		}
		t.Skipf("the keyring here is not usable (%v): run under .ci/with-keyring to test the real Secret Service", err)
	}
	return k
}

var providerSeq atomic.Int64

// uniqueProvider is a provider name no other test run uses; its keyring
// entries are deleted when the test ends.
func uniqueProvider(t *testing.T, k *SystemKeyring) string {
	p := fmt.Sprintf("tier-test-%d-%d-%d", os.Getpid(), time.Now().UnixNano(), providerSeq.Add(1))
	t.Cleanup(func() {
		if err := k.DeleteAll(Service(p)); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		if _, err := k.Get(Service(p), DefaultName); !errors.Is(err, ErrNotFound) {
			t.Errorf("cleanup left an entry behind: %v", err)
		}
	})
	return p
}

func TestRealKeyringEntries(t *testing.T) {
	k := realKeyring(t)
	svc := Service(uniqueProvider(t, k))
	long := strings.Repeat("k", MaxSecretLen)

	steps := []struct {
		do      string
		user    string
		secret  string
		want    string // for get
		wantErr error
	}{
		{do: "get", user: "default", wantErr: ErrNotFound},
		{do: "set", user: "default", secret: goodKey},
		{do: "get", user: "default", want: goodKey},
		{do: "get", user: "other", wantErr: ErrNotFound},
		{do: "set", user: "default", secret: goodKey2}, // replaces, no duplicate
		{do: "get", user: "default", want: goodKey2},
		{do: "set", user: "default.previous", secret: long},
		{do: "get", user: "default.previous", want: long},
		{do: "delete", user: "default"},
		{do: "get", user: "default", wantErr: ErrNotFound}, // a duplicate would show up here
		{do: "delete", user: "default", wantErr: ErrNotFound},
		{do: "get", user: "default.previous", want: long},
		{do: "set", user: "work", secret: goodKey3},
		{do: "deleteall"},
		{do: "get", user: "work", wantErr: ErrNotFound},
		{do: "get", user: "default.previous", wantErr: ErrNotFound},
		{do: "deleteall"}, // nothing left: not an error
	}
	for i, s := range steps {
		var got string
		var err error
		switch s.do {
		case "get":
			got, err = k.Get(svc, s.user)
		case "set":
			err = k.Set(svc, s.user, s.secret)
		case "delete":
			err = k.Delete(svc, s.user)
		case "deleteall":
			err = k.DeleteAll(svc)
		}
		if s.wantErr != nil {
			if !errors.Is(err, s.wantErr) {
				t.Fatalf("step %d: %s %s: err = %v, want %v", i, s.do, s.user, err, s.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d: %s %s: %v", i, s.do, s.user, err)
		}
		if got != s.want {
			t.Fatalf("step %d: %s %s = %s, want %s", i, s.do, s.user, Fingerprint(got), Fingerprint(s.want))
		}
	}
}

// The whole life of a key, through the real keyring.
func TestRealKeyringLifecycle(t *testing.T) {
	k := realKeyring(t)
	provider := uniqueProvider(t, k)
	fp := newFakeProvider(t)
	m := &Manager{Backend: k, Store: store.Open(t.TempDir()), ConfigDir: t.TempDir(), Getenv: func(string) string { return "" }, HTTP: fp.Client()}
	p := &catalog.Profile{Name: provider, BaseURL: fp.baseURL(), KeyEnv: catalog.StringList{"TIER_TEST_UNSET_KEY"}}
	ctx := t.Context()

	if _, err := m.Set(ctx, provider, "", badKey, SetOptions{BaseURL: p.BaseURL}); !errors.Is(err, ErrRefused) {
		t.Fatalf("set of a refused key: %v", err)
	}
	if _, err := k.Get(Service(provider), DefaultName); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused key reached the keyring: %v", err)
	}
	if _, err := m.Set(ctx, provider, "", goodKey, SetOptions{BaseURL: p.BaseURL}); err != nil {
		t.Fatal(err)
	}
	if r, err := m.KeyFor(ctx, p, "", ""); err != nil || r.Key != goodKey || r.Source != SourceKeyring {
		t.Fatalf("KeyFor after set: %v, %v", r, err)
	}
	if _, err := m.Rotate(ctx, provider, "", goodKey2, RotateOptions{BaseURL: p.BaseURL}); err != nil {
		t.Fatal(err)
	}
	if got, _ := k.Get(Service(provider), "default.previous"); got == "" || got == goodKey {
		t.Errorf("previous after rotate is not the old key in an envelope: %s", Fingerprint(got))
	} else if key, host := OpenSecret(got); key != goodKey || host == "" {
		t.Errorf("previous after rotate = %s pinned to %q", Fingerprint(key), host)
	}
	if r, err := m.Resolve(ctx, p, ""); err != nil || r.Key != goodKey2 {
		t.Fatalf("Resolve after rotate: %v, %v", r, err)
	}
	if _, err := m.Rollback(provider, ""); err != nil {
		t.Fatal(err)
	}
	if r, err := m.Resolve(ctx, p, ""); err != nil || r.Key != goodKey {
		t.Fatalf("Resolve after rollback: %v, %v", r, err)
	}
	if rep := m.Doctor(ctx, map[string]*catalog.Profile{provider: p}); !rep.KeyringOK || !rep.OK() {
		t.Errorf("doctor: %+v", rep)
	}
	// The pin is in the keyring item: a new state directory (tier's
	// record lost) does not unpin the key.
	m.Store = store.Open(t.TempDir())
	if r, err := m.KeyFor(ctx, p, "", ""); err != nil || r.Key != goodKey {
		t.Fatalf("KeyFor with the record lost: %v, %v", r, err)
	}
	if _, err := m.KeyFor(ctx, p, "", "https://evil.example/v1"); err == nil || !strings.Contains(err.Error(), "now points at evil.example") {
		t.Fatalf("KeyFor to another host with the record lost: %v", err)
	}
	// An entry stored by another program has no host on record.
	if err := k.Set(Service(provider), "bare", goodKey3); err != nil {
		t.Fatal(err)
	}
	if _, err := m.KeyFor(ctx, p, "bare", ""); err == nil || !strings.Contains(err.Error(), "not verified for any host") {
		t.Fatalf("KeyFor of a bare entry: %v", err)
	}
	if err := m.Remove(provider, ""); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"default", "default.previous"} {
		if _, err := k.Get(Service(provider), u); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s after remove: %v", u, err)
		}
	}
	if _, err := m.Resolve(ctx, p, ""); !errors.Is(err, ErrNoKey) {
		t.Errorf("Resolve after remove: %v", err)
	}
}
