package keys

import (
	"errors"
	"fmt"
	"strings"
)

// Outcomes of a keyring call other than success.
var (
	// ErrNotFound: the keyring answered and holds no such entry.
	ErrNotFound = errors.New("no such entry in the keyring")
	// ErrUnavailable: the keyring cannot be used; the error is an
	// *UnavailableError that carries the reason.
	ErrUnavailable = errors.New("keyring unavailable")
	// ErrTimeout: the keyring did not answer in time (a locked keyring
	// waiting for an unlock prompt, a hung Secret Service).
	ErrTimeout = errors.New("keyring did not answer in time")
	// ErrNoKey: no source had a key; the error is a *NoKeyError.
	ErrNoKey = errors.New("no key")
	// ErrRefused: the provider answered 401/403 to the key.
	ErrRefused = errors.New("key refused by the provider")
	// ErrNotStored: the operation needs a stored key (keyring or file) and
	// there is none.
	ErrNotStored = errors.New("no stored key")
	// ErrCancelled: the user cancelled the key prompt (Ctrl-C, Ctrl-D on
	// an empty line, Esc); no key was read.
	ErrCancelled = errors.New("key prompt cancelled")
)

// UnavailableError says why the keyring cannot be used.
type UnavailableError struct {
	Reason string
}

func (e *UnavailableError) Error() string { return "keyring unavailable: " + e.Reason }

// Is makes errors.Is(err, ErrUnavailable) true.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// NoKeyError is returned by Resolve when no source has a key. Its message
// names every way to provide one, with exact commands.
type NoKeyError struct {
	Provider string
	Name     string
	// EnvVar is the profile's first key_env variable ("" if none; named keys
	// never come from the environment).
	EnvVar string
	KeyURL string
	// Keyring is set when the keyring could not be read (unavailable or
	// timed out), so the key may exist but be out of reach.
	Keyring error
}

func (e *NoKeyError) Is(target error) bool { return target == ErrNoKey }

func (e *NoKeyError) Error() string {
	var b strings.Builder
	if e.Name == DefaultName {
		fmt.Fprintf(&b, "no key for %s: ", e.Provider)
		if e.EnvVar != "" {
			fmt.Fprintf(&b, "set %s, or ", e.EnvVar)
		}
		fmt.Fprintf(&b, "run '%s', or add key_cmd to its profile", keysCmd("set", e.Provider, e.Name))
	} else {
		fmt.Fprintf(&b, "no key %q for %s: run '%s'", e.Name, e.Provider, keysCmd("set", e.Provider, e.Name))
	}
	if e.KeyURL != "" {
		fmt.Fprintf(&b, " (get a key at %s)", e.KeyURL)
	}
	if e.Keyring != nil {
		fmt.Fprintf(&b, "; the keyring could not be read (%v): run 'tier keys doctor'", e.Keyring)
	}
	return b.String()
}

// keysCmd spells a `tier keys` command line for messages; the key name is
// a --name flag unless it is the default.
func keysCmd(verb, provider, name string) string {
	s := "tier keys " + verb + " " + provider
	if name != "" && name != DefaultName {
		s += " --name " + name
	}
	return s
}

// oneLine keeps the first line of an error text (library errors sometimes
// span lines).
func oneLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}
