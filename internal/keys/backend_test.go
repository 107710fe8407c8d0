package keys

import (
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// libFake stands in for go-keyring: it records calls and can hang or fail.
type libFake struct {
	calls atomic.Int32
	block chan struct{} // when set, calls wait on it
	err   error
	value string
}

func (l *libFake) do() (string, error) {
	l.calls.Add(1)
	if l.block != nil {
		<-l.block
	}
	return l.value, l.err
}
func (l *libFake) Get(service, user string) (string, error) { return l.do() }
func (l *libFake) Set(service, user, pass string) error     { _, err := l.do(); return err }
func (l *libFake) Delete(service, user string) error        { _, err := l.do(); return err }
func (l *libFake) DeleteAll(service string) error           { _, err := l.do(); return err }

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// listenBus makes dir/bus a unix socket, as a session bus would.
func listenBus(t *testing.T, dir string) {
	t.Helper()
	l, err := net.Listen("unix", filepath.Join(dir, "bus"))
	if err != nil {
		t.Skipf("cannot create a unix socket here: %v", err)
	}
	t.Cleanup(func() { l.Close() })
}

func TestSessionBusDetection(t *testing.T) {
	withBus := t.TempDir()
	listenBus(t, withBus)
	plainFile := t.TempDir()
	if err := writeFile(filepath.Join(plainFile, "bus"), "not a socket"); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	tests := []struct {
		name       string
		env        map[string]string
		runUserDir string
		want       string // "" = no bus
	}{
		{"address variable", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x/bus"}, empty, "unix:path=/x/bus"},
		{"autolaunch is not a bus", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"}, empty, ""},
		{"socket in XDG_RUNTIME_DIR", map[string]string{"XDG_RUNTIME_DIR": withBus}, empty, "unix:path=" + filepath.Join(withBus, "bus")},
		{"socket in /run/user/UID", map[string]string{}, withBus, "unix:path=" + filepath.Join(withBus, "bus")},
		{"a plain file named bus is not a bus", map[string]string{"XDG_RUNTIME_DIR": plainFile}, empty, ""},
		{"nothing", map[string]string{"XDG_RUNTIME_DIR": empty}, empty, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := sessionBus(envOf(tt.env), tt.runUserDir)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("sessionBus = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

func newFakeSystem(env map[string]string, lib *libFake) *SystemKeyring {
	return &SystemKeyring{Getenv: envOf(env), Timeout: 100 * time.Millisecond, lib: lib, runUserDir: "/nonexistent-run-user", needsBus: true}
}

// Without a session bus, or with TIER_NO_KEYRING, the library is never
// called (it would try dbus-launch and leave daemons behind).
func TestSystemKeyringDoesNotCallLibraryWhenUnusable(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name   string
		env    map[string]string
		reason string
	}{
		{"no session bus", map[string]string{"XDG_RUNTIME_DIR": empty}, "no D-Bus session bus"},
		{"autolaunch only", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"}, "no D-Bus session bus"},
		{"disabled", map[string]string{"TIER_NO_KEYRING": "1", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, "disabled by TIER_NO_KEYRING"},
		{"disabled with true", map[string]string{"TIER_NO_KEYRING": "true", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, "disabled by TIER_NO_KEYRING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lib := &libFake{}
			k := newFakeSystem(tt.env, lib)
			calls := map[string]error{}
			_, calls["get"] = k.Get("tier:groq", "default")
			calls["set"] = k.Set("tier:groq", "default", goodKey)
			calls["delete"] = k.Delete("tier:groq", "default")
			calls["deleteall"] = k.DeleteAll("tier:groq")
			for op, err := range calls {
				var ue *UnavailableError
				if !errors.Is(err, ErrUnavailable) || !errors.As(err, &ue) || ue.Reason != tt.reason {
					t.Errorf("%s: err = %v, want ErrUnavailable %q", op, err, tt.reason)
				}
			}
			if n := lib.calls.Load(); n != 0 {
				t.Errorf("go-keyring was called %d times", n)
			}
		})
	}
}

func TestDisabledValues(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "false": false, "no": false, "1": true, "yes": true, "true": true} {
		if got := Disabled(envOf(map[string]string{"TIER_NO_KEYRING": v})); got != want {
			t.Errorf("TIER_NO_KEYRING=%q: Disabled = %v, want %v", v, got, want)
		}
	}
}

func TestSystemKeyringOutcomes(t *testing.T) {
	bus := map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}
	tests := []struct {
		name    string
		lib     *libFake
		wantErr error  // nil: found
		reason  string // for ErrUnavailable
	}{
		{"found", &libFake{value: goodKey}, nil, ""},
		{"not found", &libFake{err: keyring.ErrNotFound}, ErrNotFound, ""},
		{"service error", &libFake{err: errors.New("org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided\nby any .service files")}, ErrUnavailable,
			"org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided"},
		{"hangs", &libFake{block: make(chan struct{})}, ErrTimeout, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newFakeSystem(bus, tt.lib)
			start := time.Now()
			got, err := k.Get("tier:groq", "default")
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("Get took %v; the timeout is %v", elapsed, k.Timeout)
			}
			if tt.lib.block != nil {
				close(tt.lib.block)
			}
			if tt.wantErr == nil {
				if err != nil || got != goodKey {
					t.Fatalf("Get = %q, %v; want the key", got, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Get err = %v, want %v", err, tt.wantErr)
			}
			if got != "" {
				t.Errorf("Get returned a value with an error")
			}
			if tt.reason != "" {
				var ue *UnavailableError
				if !errors.As(err, &ue) || ue.Reason != tt.reason {
					t.Errorf("reason = %v, want %q", err, tt.reason)
				}
			}
		})
	}
}

func TestSystemKeyringTooBig(t *testing.T) {
	k := newFakeSystem(map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, &libFake{err: keyring.ErrSetDataTooBig})
	err := k.Set("tier:groq", "default", goodKey)
	if err == nil || !strings.Contains(err.Error(), "2560 bytes") {
		t.Fatalf("err = %v, want the size limit named", err)
	}
}

func keyringErrNotFound() error { return keyring.ErrNotFound }
