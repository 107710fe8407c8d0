package keys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/lazyre"
	"github.com/tier-cli/tier/internal/store"
)

// DefaultName is the key name used when none is given.
const DefaultName = "default"

// previousSuffix marks the keyring user holding the secret a rotation
// replaced.
const previousSuffix = ".previous"

// DefaultCmdTimeout bounds a profile's key_cmd.
const DefaultCmdTimeout = 10 * time.Second

// Source says where a resolved key came from: "env:VAR", "keyring",
// "file", "cmd" or "none".
type Source string

const (
	SourceKeyring Source = "keyring"
	SourceFile    Source = "file"
	SourceCmd     Source = "cmd"
	SourceNone    Source = "none"
)

// EnvSource is the Source of a key read from the variable name.
func EnvSource(name string) Source { return Source("env:" + name) }

// Stored reports whether the key came from the keyring or the file (the
// sources tier manages, and pins to a host).
func (s Source) Stored() bool { return s == SourceKeyring || s == SourceFile }

// Manager holds what the key operations need. The zero value is not
// usable: build one with New, or fill every field (tests).
type Manager struct {
	Backend Backend
	// Store holds the key metadata (keys.json).
	Store *store.Store
	// ConfigDir holds keys.insecure.json.
	ConfigDir string
	Getenv    func(string) string
	// HTTP is used by verification; nil means a client with sane timeouts.
	HTTP *http.Client
	Now  func() time.Time
	// CmdStderr receives a few lines of a failed key_cmd's stderr, keys
	// redacted; nil discards them.
	CmdStderr  io.Writer
	CmdTimeout time.Duration
}

// New returns a Manager on the OS keyring, the default state directory and
// the default config directory.
func New(getenv func(string) string) (*Manager, error) {
	stateDir, err := store.DefaultDir(getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := ConfigDir(getenv)
	if err != nil {
		return nil, err
	}
	return &Manager{
		Backend:   NewSystemKeyring(getenv),
		Store:     store.Open(stateDir),
		ConfigDir: cfg,
		Getenv:    getenv,
		Now:       time.Now,
		CmdStderr: os.Stderr,
	}, nil
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now().UTC().Truncate(time.Second)
	}
	return time.Now().UTC().Truncate(time.Second)
}

// getenv is the caller's environment; a Manager without one sees none.
func (m *Manager) getenv(k string) string {
	if m.Getenv == nil {
		return ""
	}
	return m.Getenv(k)
}

func (m *Manager) httpClient() *http.Client {
	if m.HTTP != nil {
		return m.HTTP
	}
	return defaultHTTPClient
}

var defaultHTTPClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
	TLSHandshakeTimeout:   10 * time.Second,
	ResponseHeaderTimeout: 15 * time.Second,
}}

// ValidName says whether name can name a key: a letter or digit, then up
// to 63 letters, digits, - and _ (^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$). It is
// checked on every call, so it is written out rather than a regexp, whose
// compilation cost more than the rest of the key lookup.
func ValidName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case (c == '-' || c == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

func normName(name string) string {
	if name == "" {
		return DefaultName
	}
	return name
}

func checkNames(provider, name string) error {
	if provider == "" || strings.ContainsAny(provider, " \t\r\n:/") {
		return fmt.Errorf("%q is not a provider name: run 'tier providers' to see them", provider)
	}
	if !ValidName(name) {
		return fmt.Errorf("%q is not a key name: use letters, digits, - and _ (up to 64)", name)
	}
	return nil
}

func isPreviousUser(u string) bool { return strings.HasSuffix(u, previousSuffix) }

// Resolved is a key and where it came from. Printing it shows the source
// and fingerprint, never the key.
type Resolved struct {
	Key    string
	Source Source
	// Meta is the stored key's metadata (nil for env, cmd, none, or a
	// stored key tier has no record of).
	Meta *KeyMeta
	// Host is the host a stored key is pinned to ("" when none is on
	// record: such a key is not sent anywhere).
	Host string
}

// Fingerprint is the key's fingerprint ("…a1b2"), "" when there is no key.
func (r Resolved) Fingerprint() string {
	if r.Key == "" {
		return ""
	}
	return Fingerprint(r.Key)
}

func (r Resolved) String() string {
	if r.Key == "" {
		return string(r.Source)
	}
	return string(r.Source) + " " + Fingerprint(r.Key)
}

// GoString keeps %#v from printing the key.
func (r Resolved) GoString() string { return "keys.Resolved{" + r.String() + "}" }

// EnvKey is the one rule of which environment variable supplies a key:
// for the default key of p only (name "" or DefaultName), the first of
// p.KeyEnv that is set to something other than blanks, and its trimmed
// value; "" and "" when none is (or for a named key). It wins over every
// stored key and key_cmd.
func EnvKey(p *catalog.Profile, name string, getenv func(string) string) (envVar, secret string) {
	if normName(name) != DefaultName {
		return "", ""
	}
	for _, v := range p.KeyEnv {
		if s := strings.TrimSpace(getenv(v)); s != "" {
			return v, s
		}
	}
	return "", ""
}

// Resolve finds the key named name ("" = "default") of profile p: the
// profile's environment variables (default key only), the keyring, the
// plaintext file, the profile's key_cmd (default key only), else a
// *NoKeyError. A NoKey profile resolves to an empty key with SourceNone.
// Resolve does not check the host pin: use KeyFor before sending the key.
func (m *Manager) Resolve(ctx context.Context, p *catalog.Profile, name string) (Resolved, error) {
	if p.NoKey {
		return Resolved{Source: SourceNone}, nil
	}
	name = normName(name)
	if err := checkNames(p.Name, name); err != nil {
		return Resolved{}, err
	}
	if v, s := EnvKey(p, name, m.getenv); v != "" {
		return Resolved{Key: s, Source: EnvSource(v)}, nil
	}
	meta, err := m.Meta(p.Name, name)
	if err != nil {
		return Resolved{}, err
	}
	stored, kerr := m.Backend.Get(Service(p.Name), name)
	if kerr == nil {
		key, host := OpenSecret(stored)
		return Resolved{Key: key, Source: SourceKeyring, Meta: meta, Host: pinnedHost(host, meta)}, nil
	}
	if errors.Is(kerr, ErrNotFound) {
		kerr = nil
	}
	stored, err = m.fileGet(p.Name, name)
	if err == nil {
		key, host := OpenSecret(stored)
		return Resolved{Key: key, Source: SourceFile, Meta: meta, Host: pinnedHost(host, meta)}, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Resolved{}, err
	}
	if name == DefaultName && strings.TrimSpace(p.KeyCmd) != "" {
		secret, err := m.runKeyCmd(ctx, p.Name, p.KeyCmd)
		if err != nil {
			return Resolved{}, err
		}
		return Resolved{Key: secret, Source: SourceCmd}, nil
	}
	e := &NoKeyError{Provider: p.Name, Name: name, KeyURL: p.KeyURL, Keyring: kerr}
	if name == DefaultName && len(p.KeyEnv) > 0 {
		e.EnvVar = p.KeyEnv[0]
	}
	return Resolved{}, e
}

// KeyFor is Resolve plus the host pin: the key to send to baseURL (""
// means p.BaseURL). A stored key pinned to another host, or to none, is
// refused.
func (m *Manager) KeyFor(ctx context.Context, p *catalog.Profile, name, baseURL string) (Resolved, error) {
	if baseURL == "" {
		baseURL = p.BaseURL
	}
	r, err := m.Resolve(ctx, p, name)
	if err != nil {
		return r, err
	}
	if r.Source.Stored() {
		fp := Fingerprint(r.Key)
		k := storedPin{Provider: p.Name, Name: normName(name), Fingerprint: fp, Where: whereStored(string(r.Source)), Host: r.Host,
			Check: checkOf(r.Meta, fp, r.Host)}
		if err := checkHost(k, baseURL); err != nil {
			return Resolved{}, err
		}
	}
	return r, nil
}

// runKeyCmd runs a profile's key_cmd through the shell and returns its
// trimmed stdout, which must be one line. Errors never include stdout.
func (m *Manager) runKeyCmd(ctx context.Context, provider, command string) (string, error) {
	timeout := m.CmdTimeout
	if timeout <= 0 {
		timeout = DefaultCmdTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var cmd *exec.Cmd
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(ctx, "cmd", "/C", command)
	} else {
		cmd = exec.CommandContext(ctx, "sh", "-c", command)
	}
	// Stdout is kept up to a bound far above any key (MaxSecretLen), so
	// that a command printing without end (yes, a binary file) costs no
	// memory beyond it.
	out := &capped{max: 64 << 10}
	errOut := &capped{max: 16 << 10}
	cmd.Stdout = out
	// Its stderr is captured, not passed through: it may echo the key. A
	// few lines of it, with anything like a key redacted, are shown when
	// the command fails.
	cmd.Stderr = errOut
	// In a process group of its own (stdin is /dev/null: a passphrase
	// prompt must come from an agent such as gpg-agent's pinentry), so that
	// the timeout kills everything it started. WaitDelay stops waiting for
	// a child that keeps stdout open after the group is killed.
	ownProcessGroup(cmd)
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	fail := func(format string, a ...any) (string, error) {
		m.showCmdStderr(errOut.String(), out.String())
		return "", fmt.Errorf(format, a...)
	}
	if ctx.Err() == context.DeadlineExceeded {
		return fail("key_cmd of %s did not finish within %s: run it by hand to see why", provider, timeout)
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fail("key_cmd of %s failed (exit status %d): run it by hand to see why", provider, ee.ExitCode())
		}
		return fail("key_cmd of %s could not run (%v): check the command in its profile", provider, oneLine(err.Error()))
	}
	if out.dropped {
		return fail("key_cmd of %s printed more than %d KiB, far more than a key: make it print only the key", provider, out.max>>10)
	}
	s := strings.TrimSpace(out.String())
	if s == "" {
		return fail("key_cmd of %s printed nothing: make it print the key", provider)
	}
	if strings.ContainsAny(s, "\r\n") {
		return fail("key_cmd of %s printed more than one line: make it print only the key (e.g. append '| head -n 1')", provider)
	}
	if err := ValidateSecret(s); err != nil {
		return fail("key_cmd of %s: %v", provider, err)
	}
	return s, nil
}

// cmdStderrLines is how many lines of a failed key_cmd's stderr are shown.
const cmdStderrLines = 5

// showCmdStderr writes a few lines of a failed key_cmd's stderr to
// CmdStderr, with every word the command printed on stdout (it may be the
// key) and anything else that looks like a key replaced by a fingerprint.
func (m *Manager) showCmdStderr(stderr, stdout string) {
	if m.CmdStderr == nil {
		return
	}
	var lines []string
	for _, l := range strings.Split(redactKeys(stderr, stdout), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > cmdStderrLines {
		more := len(lines) - (cmdStderrLines - 1)
		lines = append(lines[:cmdStderrLines-1], fmt.Sprintf("(%d more lines)", more))
	}
	for _, l := range lines {
		fmt.Fprintf(m.CmdStderr, "tier: key_cmd: %s\n", l)
	}
}

// keyLike is a word that may be a key: 16 or more key characters.
var keyLike = lazyre.New(`[A-Za-z0-9_\-.+/=]{16,}`)

// redactKeys replaces in s the words of printed (4 characters or more) and
// anything that looks like a key with their fingerprints, and drops
// control characters (a terminal escape sequence).
func redactKeys(s, printed string) string {
	words := strings.Fields(printed)
	sort.Slice(words, func(i, j int) bool { return len(words[i]) > len(words[j]) })
	for _, w := range words {
		if len(w) >= 4 {
			s = strings.ReplaceAll(s, w, Fingerprint(w))
		}
	}
	s = keyLike().ReplaceAllStringFunc(s, func(w string) string {
		if strings.ContainsAny(w, "0123456789") && strings.IndexFunc(w, unicode.IsLetter) >= 0 && !strings.Contains(w, "/") {
			return Fingerprint(w)
		}
		return w
	})
	return strings.Map(func(r rune) rune {
		if r != '\n' && (unicode.IsControl(r) || r == unicode.ReplacementChar) {
			return -1
		}
		return r
	}, s)
}

// capped is a buffer that keeps the first max bytes written to it;
// dropped says that more were written.
type capped struct {
	b       bytes.Buffer
	max     int
	dropped bool
}

func (c *capped) Write(p []byte) (int, error) {
	room := c.max - c.b.Len()
	if room > 0 {
		c.b.Write(p[:min(len(p), room)])
	}
	if len(p) > room {
		c.dropped = true
	}
	return len(p), nil
}

func (c *capped) String() string { return c.b.String() }
