package keys

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Backend is a keyring: entries keyed by (service, user). Implementations
// return nil, ErrNotFound, an error matching ErrUnavailable, or ErrTimeout.
type Backend interface {
	Get(service, user string) (string, error)
	// Set creates or replaces the entry in one step.
	Set(service, user, secret string) error
	Delete(service, user string) error
	// DeleteAll removes every entry of service; none is not an error.
	DeleteAll(service string) error
}

// DefaultTimeout bounds every call to the OS keyring.
const DefaultTimeout = 3 * time.Second

// Service is the keyring service name of a provider's keys.
func Service(provider string) string { return "tier:" + provider }

// SystemKeyring is the OS keyring (Secret Service over D-Bus on Linux and
// the BSDs, Keychain on macOS, Credential Manager on Windows) through
// github.com/zalando/go-keyring. Each call runs in a goroutine bounded by
// Timeout; a call that times out is abandoned, not waited for.
type SystemKeyring struct {
	Getenv  func(string) string
	Timeout time.Duration

	lib keyring.Keyring
	// realLib: lib is go-keyring itself, which reads the process
	// environment, so the bus address found is exported to it.
	realLib bool
	// runUserDir is /run/user/UID; tests point it elsewhere.
	runUserDir string
	needsBus   bool
}

// NewSystemKeyring returns the OS keyring; getenv is consulted for
// TIER_NO_KEYRING and the session bus.
func NewSystemKeyring(getenv func(string) string) *SystemKeyring {
	return &SystemKeyring{
		Getenv:     getenv,
		Timeout:    DefaultTimeout,
		lib:        goKeyring{},
		realLib:    true,
		runUserDir: defaultRunUserDir(),
		needsBus:   usesDBus(runtime.GOOS),
	}
}

// Describe names the backend for `tier keys doctor`.
func (k *SystemKeyring) Describe() string {
	switch runtime.GOOS {
	case "darwin":
		return "macOS Keychain"
	case "windows":
		return "Windows Credential Manager"
	}
	if k.needsBus {
		return "Secret Service over D-Bus"
	}
	return "none on " + runtime.GOOS
}

// NeedsSessionBus reports whether this platform's keyring is reached over
// a D-Bus session bus.
func (k *SystemKeyring) NeedsSessionBus() bool { return k.needsBus }

func usesDBus(goos string) bool {
	switch goos {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		return true
	}
	return false
}

func defaultRunUserDir() string {
	if runtime.GOOS == "windows" {
		return ""
	}
	return "/run/user/" + strconv.Itoa(os.Getuid())
}

// Disabled reports whether TIER_NO_KEYRING turns the keyring off.
func Disabled(getenv func(string) string) bool {
	switch strings.ToLower(strings.TrimSpace(getenv("TIER_NO_KEYRING"))) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

// SessionBus finds the D-Bus session bus the way libdbus does: the
// DBUS_SESSION_BUS_ADDRESS variable, else a socket at $XDG_RUNTIME_DIR/bus
// or /run/user/UID/bus. It returns the bus address.
func SessionBus(getenv func(string) string) (string, bool) {
	return sessionBus(getenv, defaultRunUserDir())
}

func sessionBus(getenv func(string) string, runUserDir string) (string, bool) {
	if a := getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && !strings.HasPrefix(a, "autolaunch:") {
		return a, true
	}
	var dirs []string
	if d := getenv("XDG_RUNTIME_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	if runUserDir != "" {
		dirs = append(dirs, runUserDir)
	}
	for _, d := range dirs {
		p := filepath.Join(d, "bus")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + p, true
		}
	}
	return "", false
}

// ready says whether the library may be called at all.
func (k *SystemKeyring) ready() error {
	getenv := k.Getenv
	if getenv == nil { // no environment given: none seen
		getenv = func(string) string { return "" }
	}
	if Disabled(getenv) {
		return &UnavailableError{Reason: "disabled by TIER_NO_KEYRING"}
	}
	if !k.needsBus {
		return nil
	}
	addr, ok := sessionBus(getenv, k.runUserDir)
	if !ok {
		// Calling go-keyring now would make the D-Bus library run
		// dbus-launch, which can leave stray daemons behind.
		return &UnavailableError{Reason: "no D-Bus session bus"}
	}
	if k.realLib {
		// godbus looks only at DBUS_SESSION_BUS_ADDRESS and /run/user/UID;
		// anything else makes it try dbus-launch. This is the process's
		// own variable, read by the library, not tier's configuration
		// (which comes through getenv): the one os.Getenv of tier's.
		if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a == "" || strings.HasPrefix(a, "autolaunch:") {
			os.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
		}
	}
	return nil
}

// Available reports whether the keyring may be tried (nil) or why not,
// without calling it.
func (k *SystemKeyring) Available() error { return k.ready() }

func (k *SystemKeyring) timeout() time.Duration {
	if k.Timeout > 0 {
		return k.Timeout
	}
	return DefaultTimeout
}

// call runs f in a goroutine and waits at most the timeout for it.
func (k *SystemKeyring) call(f func() error) error {
	if err := k.ready(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	t := time.NewTimer(k.timeout())
	defer t.Stop()
	select {
	case err := <-done:
		return mapLibError(err)
	case <-t.C:
		return fmt.Errorf("%w (%s)", ErrTimeout, k.timeout())
	}
}

func mapLibError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("the keyring refused the key as too big: keys of up to %d bytes work everywhere", MaxSecretLen)
	}
	return &UnavailableError{Reason: oneLine(err.Error())}
}

// Get reads an entry.
func (k *SystemKeyring) Get(service, user string) (string, error) {
	var s string
	err := k.call(func() error {
		var err error
		s, err = k.lib.Get(service, user)
		return err
	})
	if err != nil {
		return "", err
	}
	return s, nil
}

// Set creates or replaces an entry.
func (k *SystemKeyring) Set(service, user, secret string) error {
	return k.call(func() error { return k.lib.Set(service, user, secret) })
}

// Delete removes an entry.
func (k *SystemKeyring) Delete(service, user string) error {
	return k.call(func() error { return k.lib.Delete(service, user) })
}

// DeleteAll removes every entry of service.
func (k *SystemKeyring) DeleteAll(service string) error {
	if service == "" {
		return errors.New("refusing to delete the entries of an empty service name")
	}
	return k.call(func() error { return k.lib.DeleteAll(service) })
}

type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (goKeyring) Set(service, user, pass string) error     { return keyring.Set(service, user, pass) }
func (goKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }
func (goKeyring) DeleteAll(service string) error           { return keyring.DeleteAll(service) }

// MemoryBackend is an in-memory Backend for tests (safe for concurrent use).
type MemoryBackend struct {
	mu sync.Mutex
	m  map[string]map[string]string
}

// NewMemoryBackend returns an empty in-memory keyring.
func NewMemoryBackend() *MemoryBackend {
	return &MemoryBackend{m: map[string]map[string]string{}}
}

func (b *MemoryBackend) Get(service, user string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.m[service][user]
	if !ok {
		return "", ErrNotFound
	}
	return s, nil
}

func (b *MemoryBackend) Set(service, user, secret string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m[service] == nil {
		b.m[service] = map[string]string{}
	}
	b.m[service][user] = secret
	return nil
}

func (b *MemoryBackend) Delete(service, user string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.m[service][user]; !ok {
		return ErrNotFound
	}
	delete(b.m[service], user)
	if len(b.m[service]) == 0 {
		delete(b.m, service)
	}
	return nil
}

func (b *MemoryBackend) DeleteAll(service string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, service)
	return nil
}

// Users lists the users of service, sorted (for tests).
func (b *MemoryBackend) Users(service string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var us []string
	for u := range b.m[service] {
		us = append(us, u)
	}
	sort.Strings(us)
	return us
}
