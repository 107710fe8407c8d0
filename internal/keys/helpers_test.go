package keys

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/store"
)

// Test keys: obviously fake, never shaped like real ones.
const (
	goodKey  = "test-key-good-0001"
	goodKey2 = "test-key-good-0002"
	goodKey3 = "test-key-good-0003"
	badKey   = "test-key-refused-0009"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// faultBackend is a MemoryBackend that can fail chosen calls and lets a
// test check an invariant after every successful write.
type faultBackend struct {
	*MemoryBackend
	mu    sync.Mutex
	fail  func(op, service, user string) error
	after func(op, service, user string)
	ops   []string
}

func newFaultBackend() *faultBackend { return &faultBackend{MemoryBackend: NewMemoryBackend()} }

func (b *faultBackend) hook(op, service, user string) error {
	b.mu.Lock()
	b.ops = append(b.ops, op+" "+user)
	f := b.fail
	b.mu.Unlock()
	if f != nil {
		return f(op, service, user)
	}
	return nil
}

func (b *faultBackend) done(op, service, user string) {
	if b.after != nil {
		b.after(op, service, user)
	}
}

func (b *faultBackend) Get(service, user string) (string, error) {
	if err := b.hook("get", service, user); err != nil {
		return "", err
	}
	return b.MemoryBackend.Get(service, user)
}

func (b *faultBackend) Set(service, user, secret string) error {
	if err := b.hook("set", service, user); err != nil {
		return err
	}
	err := b.MemoryBackend.Set(service, user, secret)
	b.done("set", service, user)
	return err
}

func (b *faultBackend) Delete(service, user string) error {
	if err := b.hook("delete", service, user); err != nil {
		return err
	}
	err := b.MemoryBackend.Delete(service, user)
	b.done("delete", service, user)
	return err
}

func (b *faultBackend) DeleteAll(service string) error {
	if err := b.hook("deleteall", service, ""); err != nil {
		return err
	}
	return b.MemoryBackend.DeleteAll(service)
}

// fakeProvider answers GET /v1/models: 200 for keys starting
// "test-key-good", 401 otherwise. It counts requests.
type fakeProvider struct {
	*httptest.Server
	mu    sync.Mutex
	calls int
	auths []string
}

func newFakeProvider(t *testing.T) *fakeProvider {
	fp := &fakeProvider{}
	fp.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fp.mu.Lock()
		fp.calls++
		fp.auths = append(fp.auths, r.Header.Get("Authorization"))
		fp.mu.Unlock()
		if r.URL.Path != "/v1/models" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer test-key-good") {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":{"message":"Invalid API Key"}}`))
			return
		}
		w.Write([]byte(`{"object":"list","data":[]}`))
	}))
	t.Cleanup(fp.Close)
	return fp
}

func (fp *fakeProvider) baseURL() string { return fp.URL + "/v1" }

func (fp *fakeProvider) count() int {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return fp.calls
}

type testEnv struct {
	m       *Manager
	b       *faultBackend
	env     map[string]string
	now     *time.Time
	fp      *fakeProvider
	profile *catalog.Profile
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	te := &testEnv{b: newFaultBackend(), env: map[string]string{}, fp: newFakeProvider(t)}
	now := t0
	te.now = &now
	te.m = &Manager{
		Backend:   te.b,
		Store:     store.Open(t.TempDir()),
		ConfigDir: t.TempDir(),
		Getenv:    func(k string) string { return te.env[k] },
		HTTP:      te.fp.Client(),
		Now:       func() time.Time { return *te.now },
	}
	te.profile = &catalog.Profile{
		Name:    "groq",
		BaseURL: te.fp.baseURL(),
		KeyEnv:  catalog.StringList{"GROQ_API_KEY"},
		KeyURL:  "https://console.groq.com/keys",
	}
	return te
}

func (te *testEnv) set(t *testing.T, name, secret string, opts SetOptions) Result {
	t.Helper()
	if opts.BaseURL == "" && !opts.NoVerify {
		opts.BaseURL = te.profile.BaseURL
	}
	r, err := te.m.Set(t.Context(), "groq", name, secret, opts)
	if err != nil {
		t.Fatalf("Set(%s): %v", name, err)
	}
	return r
}

// keyring is the key the keyring holds for groq under user, without the
// host it is pinned to.
func (te *testEnv) keyring(t *testing.T, user string) string {
	key, _ := te.keyringPin(t, user)
	return key
}

// keyringPin is the key and the host it is pinned to in the keyring item.
func (te *testEnv) keyringPin(t *testing.T, user string) (key, host string) {
	t.Helper()
	s, err := te.b.MemoryBackend.Get(Service("groq"), user)
	if err != nil {
		return "<" + err.Error() + ">", ""
	}
	return OpenSecret(s)
}

// file is the key the plaintext file holds for groq under user ("" none)
// and the host it is pinned to.
func (te *testEnv) file(t *testing.T, user string) (key, host string) {
	t.Helper()
	s, err := te.m.fileGet("groq", user)
	if err != nil {
		return "", ""
	}
	return OpenSecret(s)
}

func (te *testEnv) meta(t *testing.T, name string) *KeyMeta {
	t.Helper()
	k, err := te.m.Meta("groq", name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}

func filepathToSlash(p string) string { return filepath.ToSlash(p) }

type acceptAll struct{}

func (acceptAll) ServeHTTP(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"data":[]}`)) }
