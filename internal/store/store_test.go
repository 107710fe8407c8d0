package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// writeRaw puts data at the path state name would have for a T.
func writeRaw[T any](t *testing.T, s *Store, name string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filePath[T](s, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeLegacy puts data where an older tier kept state name for a T.
func writeLegacy[T any](t *testing.T, s *Store, name string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := legacyPath[T](s, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUnreadableStateFile(t *testing.T) {
	u := use("groq", "default", "m", t0, 1)
	var st ledgerState
	st.add(u)
	goodLedger, _ := st.marshalState()
	goodSnapshots, _ := (&snapshotsState{Snapshots: []quota.Snapshot{normalizeSnapshot(snap(t0))}}).marshalState()
	cases := []struct {
		name  string
		write func(t *testing.T, s *Store) string // puts a damaged file, returns its path
		read  func(s *Store) error
		save  func(s *Store) error
	}{
		{
			name: "truncated snapshots",
			write: func(t *testing.T, s *Store) string {
				return writeRaw[snapshotsState](t, s, snapshotsFile, goodSnapshots[:len(goodSnapshots)-3])
			},
			read: func(s *Store) error { _, err := s.Snapshots(); return err },
			save: func(s *Store) error { return s.SaveSnapshot(snap(t0)) },
		},
		{
			name: "snapshots that are something else",
			write: func(t *testing.T, s *Store) string {
				return writeRaw[snapshotsState](t, s, snapshotsFile, []byte(`{"snapshots": []}`))
			},
			read: func(s *Store) error { _, _, err := s.Snapshot("groq", "default", "m"); return err },
			save: func(s *Store) error { return s.SaveSnapshot(snap(t0)) },
		},
		{
			name: "old JSON snapshots that are not JSON",
			write: func(t *testing.T, s *Store) string {
				return writeLegacy[snapshotsState](t, s, snapshotsFile, []byte("{\"snapshots\": ["))
			},
			read: func(s *Store) error { _, err := s.Snapshots(); return err },
			save: func(s *Store) error { return s.SaveSnapshot(snap(t0)) },
		},
		{
			name: "old JSON snapshots of the wrong shape",
			write: func(t *testing.T, s *Store) string {
				return writeLegacy[snapshotsState](t, s, snapshotsFile, []byte(`{"snapshots": {"groq": 1}}`))
			},
			read: func(s *Store) error { _, _, err := s.Snapshot("groq", "default", "m"); return err },
			save: func(s *Store) error { return saveBoth(s, snap(t0), u) },
		},
		{
			name: "a truncated ledger",
			write: func(t *testing.T, s *Store) string {
				return writeRaw[ledgerState](t, s, ledgerFile, goodLedger[:len(goodLedger)-3])
			},
			read: func(s *Store) error { _, _, err := s.UsageSince("groq", "default", "", t0, t0); return err },
			save: func(s *Store) error { return s.RecordUsage(u) },
		},
		{
			name:  "a ledger that is something else",
			write: func(t *testing.T, s *Store) string { return writeRaw[ledgerState](t, s, ledgerFile, []byte("hello\n")) },
			read:  func(s *Store) error { _, _, err := s.UsageSince("groq", "default", "", t0, t0); return err },
			save:  func(s *Store) error { return saveBoth(s, snap(t0), u) },
		},
		{
			name: "a models cache that is not JSON",
			write: func(t *testing.T, s *Store) string {
				return writeRaw[modelsState](t, s, "models-groq", []byte("\x00\x01"))
			},
			read: func(s *Store) error { _, _, _, err := s.Models("groq"); return err },
			save: func(s *Store) error { return s.SaveModels("groq", nil, t0) },
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Open(t.TempDir())
			path := c.write(t, s)
			before, _ := os.ReadFile(path)
			for op, err := range map[string]error{"read": c.read(s), "update": c.save(s), "check": s.Check(SnapshotsFile, LedgerFile, "models-groq")} {
				if err == nil {
					t.Fatalf("%s: no error", op)
				}
				msg := err.Error()
				if strings.Contains(msg, "\n") || !strings.Contains(msg, path) || !strings.Contains(msg, "move it aside") ||
					!errors.Is(err, ErrCorrupt) {
					t.Errorf("%s: %q: want one line naming %s and saying to move it aside, matching ErrCorrupt", op, msg, path)
				}
				if !strings.HasSuffix(msg, ": mv "+path+"{,.bad}") {
					t.Errorf("%s: %q: want it to end with the command that moves it aside", op, msg)
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
				t.Errorf("the damaged file was overwritten")
			}
		})
	}
}

func TestNewerFormat(t *testing.T) {
	cases := []struct {
		name  string
		write func(t *testing.T, s *Store) string
		read  func(s *Store) error
	}{
		{
			name: "snapshots",
			write: func(t *testing.T, s *Store) string {
				return writeRaw[snapshotsState](t, s, snapshotsFile, withCRC(snapshotsMagic+"\x04"))
			},
			read: func(s *Store) error { return s.SaveSnapshot(snap(t0)) },
		},
		{
			name: "old JSON snapshots",
			write: func(t *testing.T, s *Store) string {
				return writeLegacy[snapshotsState](t, s, snapshotsFile, []byte(`{"version":2}`))
			},
			read: func(s *Store) error { _, err := s.Snapshots(); return err },
		},
		{
			name: "ledger",
			write: func(t *testing.T, s *Store) string {
				return writeRaw[ledgerState](t, s, ledgerFile, withCRC(ledgerMagic+"\x07"))
			},
			read: func(s *Store) error { _, _, err := s.UsageSince("groq", "", "", t0, t0); return err },
		},
		{
			name: "models",
			write: func(t *testing.T, s *Store) string {
				return writeRaw[modelsState](t, s, "models-groq", []byte(`{"version":3}`))
			},
			read: func(s *Store) error { _, _, _, err := s.Models("groq"); return err },
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Open(t.TempDir())
			path := c.write(t, s)
			err := c.read(s)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "newer tier") {
				t.Errorf("got %v, want an error naming %s and saying it is from a newer tier", err, path)
			}
		})
	}
}

func TestLockTimeout(t *testing.T) {
	old := LockTimeout
	LockTimeout = 100 * time.Millisecond
	t.Cleanup(func() { LockTimeout = old })
	s := Open(t.TempDir())
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// Another holder of the lock (a separate open file, as another process
	// would have).
	unlock, err := lockFile(s.lockPath(snapshotsFile), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = s.SaveSnapshot(snap(t0))
	waited := time.Since(start)
	unlock()
	if err == nil {
		t.Fatal("SaveSnapshot succeeded while another holder had the lock")
	}
	msg := err.Error()
	for _, want := range []string{s.lockPath(snapshotsFile), "100ms", "another tier process", "retry"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") || !errors.Is(err, ErrLocked) {
		t.Errorf("error %q: want one line matching ErrLocked", msg)
	}
	if waited < LockTimeout {
		t.Errorf("gave up after %v, before the %v timeout", waited, LockTimeout)
	}
	// Once released, the lock is free again: the abandoned wait gave it back.
	LockTimeout = 5 * time.Second
	if err := s.SaveSnapshot(snap(t0)); err != nil {
		t.Errorf("after release: %v", err)
	}
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
	s := Open(filepath.Join(t.TempDir(), "state"))
	if err := saveBoth(s, snap(t0), use("groq", "default", "m", t0, 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveModels("groq", []CachedModel{{ID: "m"}}, t0); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(s.Dir)
	if len(entries) != 6 { // three files, three locks
		t.Errorf("state directory holds %d entries, want 6", len(entries))
	}
	checks := map[string]os.FileMode{s.Dir: 0o700}
	for _, e := range entries {
		checks[filepath.Join(s.Dir, e.Name())] = 0o600
	}
	for path, want := range checks {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s has mode %v, want %v", path, got, want)
		}
	}
}

func TestStateNames(t *testing.T) {
	cases := []struct {
		name string
		ok   bool
	}{
		{"snapshots", true},
		{"models-openrouter", true},
		{"models-my.provider_2", true},
		{"", false},
		{".hidden", false},
		{"../escape", false},
		{`a\b`, false},
		{"c:x", false},
		{"new\nline", false},
	}
	s := Open(t.TempDir())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, rerr := Read[map[string]int](s, c.name)
			uerr := Update(s, c.name, func(*map[string]int) error { return nil })
			if (rerr == nil) != c.ok || (uerr == nil) != c.ok {
				t.Errorf("Read: %v, Update: %v; want allowed=%v", rerr, uerr, c.ok)
			}
		})
	}
}

func TestRemove(t *testing.T) {
	s := Open(t.TempDir())
	if err := s.Remove("models-groq"); err != nil {
		t.Errorf("removing a file of a store never written: %v", err)
	}
	if err := s.SaveModels("groq", []CachedModel{{ID: "m"}}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordUsage(use("groq", "default", "m", t0, 1)); err != nil {
		t.Fatal(err)
	}
	// The ledger is cached in memory: Remove must drop that too.
	if r, _, _ := s.UsageSince("groq", "default", "", t0, t0); r != 1 {
		t.Fatalf("ledger holds %d requests before Remove, want 1", r)
	}
	for _, name := range []string{"models-groq", ledgerFile, "never-written"} {
		if err := s.Remove(name); err != nil {
			t.Errorf("Remove(%q): %v", name, err)
		}
	}
	if _, _, ok, err := s.Models("groq"); ok || err != nil {
		t.Errorf("models still cached after Remove: ok=%v err=%v", ok, err)
	}
	if r, _, err := s.UsageSince("groq", "default", "", t0, t0); r != 0 || err != nil {
		t.Errorf("ledger holds %d requests after Remove (%v), want 0", r, err)
	}
	if err := s.Remove("../x"); err == nil {
		t.Error("Remove accepted a name outside the state directory")
	}
}

func TestDefaultDir(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"TIER_STATE_DIR wins", map[string]string{"TIER_STATE_DIR": "/x/tier", "XDG_STATE_HOME": "/xdg", "HOME": "/home/u"}, "/x/tier"},
		{"then XDG_STATE_HOME", map[string]string{"XDG_STATE_HOME": "/xdg", "HOME": "/home/u"}, filepath.Join("/xdg", "tier")},
		{"a relative XDG_STATE_HOME is ignored", map[string]string{"XDG_STATE_HOME": "xdg", "HOME": "/home/u"}, filepath.Join("/home/u", ".local", "state", "tier")},
		{"then ~/.local/state", map[string]string{"HOME": "/home/u"}, filepath.Join("/home/u", ".local", "state", "tier")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DefaultDir(func(k string) string { return c.env[k] })
			if err != nil || got != c.want {
				t.Errorf("DefaultDir = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestMoveAsideCommand(t *testing.T) {
	for path, want := range map[string]string{
		"/home/me/.local/state/tier/snapshots.bin": "mv /home/me/.local/state/tier/snapshots.bin{,.bad}",
		"/home/my name/tier/ledger.bin":            `mv '/home/my name/tier/ledger.bin'{,.bad}`,
		"/tmp/it's/seen.json":                      `mv '/tmp/it'\''s/seen.json'{,.bad}`,
	} {
		if got := MoveAsideCommand(path); got != want {
			t.Errorf("MoveAsideCommand(%q) = %q, want %q", path, got, want)
		}
	}
}

// saveBoth records a call's usage and then its snapshot, as a call does.
func saveBoth(s *Store, snap quota.Snapshot, u Usage) error {
	return errors.Join(s.RecordUsage(u), s.SaveSnapshot(snap))
}
