// Package store owns tier's local state: quota snapshots, the usage ledger,
// key metadata (never secrets), the models cache and the demo provider's
// counters. Each concern is one file in the state directory (JSON, except
// the quota snapshots and the usage ledger, which are compact binary files
// because `tier quota` must read them in a fraction of a millisecond),
// changed only under an exclusive lock (a separate "<name>.lock" file) and
// replaced atomically (write a temp file, rename), so that many tier
// processes running at once (parallel CI jobs) never lose an update or see
// a torn file. Readers take no lock.
//
// Only files whose loss would matter are fsynced before the rename (see
// Durable): the rest are caches of what providers said and of tier's own
// usage, and an fsync costs a chat call about half a millisecond each. After
// a power cut such a file may at worst be empty, which reads as a fresh
// state, never as an error.
//
// All times are stored in UTC. Files are 0600 in a 0700 directory.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// LockTimeout bounds how long a process waits for another one's update.
var LockTimeout = 10 * time.Second

// ErrCorrupt is matched (errors.Is) by the error for a state file that
// cannot be decoded. Update never overwrites such a file.
var ErrCorrupt = errors.New("state file is unreadable")

// ErrUnusable is matched (errors.Is) by the error for a state directory
// or file that cannot be used as one: the directory is a file, or
// permissions forbid it. Like a damaged file it is the user's to fix (a
// configuration error), not a failure of tier.
var ErrUnusable = errors.New("state directory is unusable")

// ErrLocked is matched (errors.Is) by the error for a lock that another
// process held for longer than LockTimeout.
var ErrLocked = errors.New("state file is locked")

// stateError is a one-line message that also matches a sentinel.
type stateError struct {
	msg   string
	kind  error
	cause error
}

func (e *stateError) Error() string        { return e.msg }
func (e *stateError) Is(target error) bool { return target == e.kind }
func (e *stateError) Unwrap() error        { return e.cause }

// Store is a state directory.
type Store struct {
	Dir string
}

// DefaultDir is $TIER_STATE_DIR, else $XDG_STATE_HOME/tier, else
// ~/.local/state/tier.
func DefaultDir(getenv func(string) string) (string, error) {
	if d := getenv("TIER_STATE_DIR"); d != "" {
		return d, nil
	}
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "tier"), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot find a state directory: set TIER_STATE_DIR")
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "tier"), nil
}

// Open returns the store at dir; the directory is created on first write.
func Open(dir string) *Store { return &Store{Dir: dir} }

func (s *Store) path(name string) string { return filepath.Join(s.Dir, name+".json") }

// lockPath is the lock of state file name, whatever its format.
func (s *Store) lockPath(name string) string { return filepath.Join(s.Dir, name+".lock") }

// stateCodec lets a state type choose its own file format instead of JSON.
// The usage ledger and the snapshots do: at full size encoding/json took
// ~40 ms and ~3 ms to decode them, far over the time `tier quota` may take.
type stateCodec interface {
	fileExt() string // e.g. ".bin"
	unmarshalState([]byte) error
	marshalState() ([]byte, error)
}

// legacyCodec is a stateCodec whose state an older tier kept in another
// file, "<name><legacyExt>", in another format. Read falls back to that file
// while the new one does not exist; Update writes the new one and then
// removes the old, so the state moves over on its first change.
type legacyCodec interface {
	stateCodec
	legacyExt() string // e.g. ".json"
	unmarshalLegacy([]byte) error
}

// legacyPath is the file an older tier kept state name in, or "" when the
// format of T has not changed.
func legacyPath[T any](s *Store, name string) string {
	var v T
	if c, ok := any(&v).(legacyCodec); ok {
		return filepath.Join(s.Dir, name+c.legacyExt())
	}
	return ""
}

// filePath is the file of state name holding a T.
func filePath[T any](s *Store, name string) string {
	var v T
	if c, ok := any(&v).(stateCodec); ok {
		return filepath.Join(s.Dir, name+c.fileExt())
	}
	return s.path(name)
}

// formatError reports a file written by a newer tier.
type formatError struct{ version uint64 }

func (e formatError) Error() string { return fmt.Sprintf("format %d", e.version) }

func newerFormatError(path string, version uint64) error {
	return fmt.Errorf("state file %s was written by a newer tier (format %d): upgrade tier, or move the file aside", path, version)
}

// checkName rejects names that would escape the state directory or hide
// the file (provider names end up in file names, e.g. "models-<provider>").
func checkName(name string) error {
	if name == "" || name[0] == '.' || strings.ContainsAny(name, `/\:`) ||
		strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return fmt.Errorf("state file name %q is not allowed: use letters, digits, '-', '_' or '.' (not first)", name)
	}
	return nil
}

// Read decodes the file name (without .json) into a T; a missing file gives
// the zero T and no error.
func Read[T any](s *Store, name string) (T, error) {
	var v T
	if err := checkName(name); err != nil {
		return v, err
	}
	path := filePath[T](s, name)
	b, err := readFile(path)
	legacy := false
	if old := legacyPath[T](s, name); old != "" && errors.Is(err, fs.ErrNotExist) {
		var oldErr error
		if b, oldErr = readFile(old); !errors.Is(oldErr, fs.ErrNotExist) {
			path, err, legacy = old, oldErr, true
		} else {
			// Neither file, unless an Update has just moved the state
			// over: it writes the new file before removing the old one.
			b, err = readFile(path)
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return v, nil
	}
	if err != nil {
		return v, unreadable(s.Dir, path, err)
	}
	if len(b) == 0 {
		return v, nil
	}
	if c, ok := any(&v).(legacyCodec); ok && legacy {
		err = c.unmarshalLegacy(b)
	} else if c, ok := any(&v).(stateCodec); ok {
		err = c.unmarshalState(b)
	} else {
		err = json.Unmarshal(b, &v)
	}
	if err != nil {
		return v, decodeError(path, err)
	}
	return v, nil
}

// readState reads the state file at path; a missing file gives no bytes
// and no error.
func readState(path string) ([]byte, error) {
	b, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, unreadable(filepath.Dir(path), path, err)
	}
	return b, nil
}

// DirError is the error for a state directory dir that could not be
// created (os.MkdirAll's err): ErrUnusable, with what to do.
func DirError(dir string, err error) error {
	msg := fmt.Sprintf("cannot create state directory %s: %v: check its permissions or set TIER_STATE_DIR", dir, oneLine(err))
	if errors.Is(err, syscall.ENOTDIR) {
		msg = fmt.Sprintf("state directory %s is not a directory: set TIER_STATE_DIR to a directory, or move the file aside: %s", dir, MoveAsideCommand(dir))
	}
	return &stateError{msg: msg, kind: ErrUnusable, cause: err}
}

// unreadable is the error for the state file at path, in dir, that could
// not be read: a dir that is a file or forbidden ground is ErrUnusable.
func unreadable(dir, path string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOTDIR):
		return DirError(dir, err)
	case errors.Is(err, fs.ErrPermission):
		return &stateError{
			msg:   fmt.Sprintf("cannot read state file %s: permission denied: check its permissions and its directory's, or set TIER_STATE_DIR", path),
			kind:  ErrUnusable,
			cause: err,
		}
	}
	return fmt.Errorf("cannot read state file %s: %v: check its permissions", path, oneLine(err))
}

// decodeError is the error for the file at path that failed to decode.
func decodeError(path string, err error) error {
	var fe formatError
	if errors.As(err, &fe) {
		return newerFormatError(path, fe.version)
	}
	return corrupt(path, err)
}

func corrupt(path string, err error) error {
	return &stateError{
		msg:   fmt.Sprintf("state file %s is unreadable (%s): move it aside and tier starts afresh: %s", path, oneLine(err), MoveAsideCommand(path)),
		kind:  ErrCorrupt,
		cause: err,
	}
}

// MoveAsideCommand is the shell command that moves the state file at path
// aside: "mv /home/me/.local/state/tier/snapshots.bin{,.bad}".
func MoveAsideCommand(path string) string {
	quoted := path
	if strings.ContainsFunc(path, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == '~' || r == ':' || r == '\\' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) {
		quoted = "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
	}
	return "mv " + quoted + "{,.bad}"
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// Update reads name under an exclusive lock, lets fn change it, and writes
// it back atomically. fn returning an error leaves the file unchanged, and
// so does a file that cannot be decoded (the error says so; it is never
// overwritten with fresh state).
func Update[T any](s *Store, name string, fn func(*T) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return DirError(s.Dir, err)
	}
	unlock, err := lockFile(s.lockPath(name), LockTimeout)
	if err != nil {
		return err
	}
	defer unlock()
	v, err := Read[T](s, name)
	if err != nil {
		return err
	}
	if err := fn(&v); err != nil {
		return err
	}
	var b []byte
	if c, ok := any(&v).(stateCodec); ok {
		b, err = c.marshalState()
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return err
	}
	path := filePath[T](s, name)
	if err := writeAtomic(path, b, Durable[name]); err != nil {
		return fmt.Errorf("cannot write state file %s: %v: check free space and permissions", path, oneLine(err))
	}
	if old := legacyPath[T](s, name); old != "" {
		// The new file is in place and is read first: an old file that
		// cannot be removed now is only stale, and goes on the next write.
		os.Remove(old)
	}
	return nil
}

// Remove deletes the state file name (without extension, in whichever
// format it is); a missing file is not an error. It takes the lock, so it
// never races an Update. The lock file itself stays: deleting it could let
// two processes hold "the" lock at once.
func (s *Store) Remove(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if _, err := os.Stat(s.Dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	unlock, err := lockFile(s.lockPath(name), LockTimeout)
	if err != nil {
		return err
	}
	defer unlock()
	for _, path := range []string{s.path(name), filepath.Join(s.Dir, name+".bin")} {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot remove state file %s: %v: check its permissions", path, oneLine(err))
		}
	}
	forgetLedger(filepath.Join(s.Dir, name+".bin"))
	return nil
}

func lockedError(path string, timeout time.Duration) error {
	return &stateError{
		msg:  fmt.Sprintf("lock %s stayed held for %s by another tier process: wait for it to finish (or stop it) and retry", path, timeout),
		kind: ErrLocked,
	}
}

// Durable names the files that are fsynced before they replace the old
// ones: key metadata (a lost host pin would let a key go to another host
// unverified) and the plaintext key file of --insecure-storage.
var Durable = map[string]bool{"keys": true, "keys.insecure": true}

func writeAtomic(path string, b []byte, durable bool) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(b)
	if werr == nil && durable {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o600)
	}
	if werr == nil {
		werr = replaceFile(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
	}
	return werr
}
