//go:build unix

package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The demo's counters are best effort: a state directory tier cannot write
// still counts the request (on what it can read), says it was not saved,
// and leaves the file as it was; a damaged file is never counted over.
func TestCountDemoRequestBestEffort(t *testing.T) {
	now := time.Date(2026, 3, 4, 10, 20, 30, 0, time.UTC)
	s := Open(t.TempDir())
	for i := int64(1); i <= 2; i++ {
		m, d, ok, err := s.CountDemoRequest(now, 10, 50)
		if err != nil || !ok || m != i || d != i {
			t.Fatalf("count %d: %d/%d allowed %v, %v", i, m, d, ok, err)
		}
	}
	before, err := os.ReadFile(s.path("demo"))
	if err != nil {
		t.Fatal(err)
	}
	// The lock cannot be taken: the directory cannot be written to as tier needs.
	lock := s.lockPath("demo")
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(lock, 0o700); err != nil {
		t.Fatal(err)
	}
	m, d, ok, err := s.CountDemoRequest(now, 10, 50)
	if !errors.Is(err, ErrDemoUnsaved) || !ok || m != 3 || d != 3 {
		t.Errorf("unwritable: %d/%d allowed %v, err %v; want 3/3 allowed, ErrDemoUnsaved", m, d, ok, err)
	}
	if after, _ := os.ReadFile(s.path("demo")); string(after) != string(before) {
		t.Errorf("the counters changed: %s, were %s", after, before)
	}
	// Nothing readable either: counted from zero, refused past the limit as ever.
	if err := os.Remove(s.path("demo")); err != nil {
		t.Fatal(err)
	}
	if m, d, ok, err := s.CountDemoRequest(now, 1, 50); !errors.Is(err, ErrDemoUnsaved) || !ok || m != 1 || d != 1 {
		t.Errorf("unwritable, no file: %d/%d allowed %v, err %v", m, d, ok, err)
	}
	// A damaged file: no count, an error that says so.
	s2 := Open(t.TempDir())
	if err := os.WriteFile(filepath.Join(s2.Dir, "demo.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := s2.CountDemoRequest(now, 10, 50); !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrDemoUnsaved) || ok {
		t.Errorf("damaged: allowed %v, err %v; want ErrCorrupt", ok, err)
	}
}
