package usage

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/store"
)

// TestMain lets the test binary act as a logging process (see
// TestParallelProcesses).
func TestMain(m *testing.M) {
	if dir := os.Getenv("TIER_USAGE_TEST_APPEND"); dir != "" {
		n, _ := strconv.Atoi(os.Getenv("TIER_USAGE_TEST_N"))
		if err := New(dir).Append(Entry{At: time.Now(), Kind: KindChat, Provider: "demo", Key: "default", Model: fmt.Sprint("m", n), Outcome: "ok"}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func count(t *testing.T, l *Log) int {
	t.Helper()
	db, err := l.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM calls`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// 50 processes log a call each while readers ingest: exactly 50 rows.
func TestParallelProcesses(t *testing.T) {
	dir := t.TempDir()
	l := New(dir)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), "TIER_USAGE_TEST_APPEND="+dir, fmt.Sprint("TIER_USAGE_TEST_N=", i))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("%v: %s", err, out)
			}
		}()
	}
	for range 5 { // concurrent readers ingesting
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				db, err := l.Open()
				if err != nil {
					errs <- err
					return
				}
				db.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := count(t, l); n != 50 {
		t.Fatalf("%d rows, want 50", n)
	}
	if n := count(t, l); n != 50 {
		t.Fatalf("ingested again: %d rows, want 50", n)
	}
}

// Goroutines appending while the journal is set aside again and again.
func TestRotationLosesNothing(t *testing.T) {
	old := rotateAt
	rotateAt = 2000
	defer func() { rotateAt = old }()
	dir := t.TempDir()
	l := New(dir)
	var wg sync.WaitGroup
	for g := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				if err := l.Append(Entry{At: time.Now(), Kind: KindChat, Provider: "p", Key: "k", Model: fmt.Sprint(g, "-", i), Outcome: "ok"}); err != nil {
					t.Error(err)
				}
				if i%10 == 0 {
					if db, err := l.Open(); err != nil {
						t.Error(err)
					} else {
						db.Close()
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := count(t, l); n != 300 {
		t.Fatalf("%d rows, want 300", n)
	}
	aside, _ := filepath.Glob(filepath.Join(dir, JournalFile+".*"))
	if len(aside) == 0 {
		t.Fatal("the journal was never set aside")
	}
	// A set-aside journal read to its end and idle is removed.
	for _, p := range aside {
		os.Chtimes(p, time.Now().Add(-time.Minute), time.Now().Add(-time.Minute))
	}
	if n := count(t, l); n != 300 {
		t.Fatalf("%d rows, want 300", n)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, JournalFile+".*")); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

func TestMigrationsOnceAndTornLine(t *testing.T) {
	dir := t.TempDir()
	l := New(dir)
	if err := l.Append(Entry{At: time.Now(), Kind: KindChat, Provider: "p", Key: "k", Model: "m", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	// A line still being written (no newline yet) waits for the next ingest.
	f, _ := os.OpenFile(filepath.Join(dir, JournalFile), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"id":"torn","at":"2026-12-03T10:00:00Z","kind":"chat"`)
	if n := count(t, l); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
	f.WriteString(`,"provider":"p","key":"k","model":"m","outcome":"ok"}` + "\n")
	f.Close()
	if n := count(t, l); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
	db, err := l.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var m int
	db.SQL().QueryRow(`SELECT count(*) FROM _migrations`).Scan(&m)
	if m != len(migrations) {
		t.Fatalf("%d migrations recorded, want %d", m, len(migrations))
	}
}

// A usage.db that is not a database is a damaged state file (exit 2),
// and the message says how to move it aside; once moved, a new log starts.
func TestDamagedDatabase(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":              "garbage garbage garbage garbage",
		"a torn SQLite header": "SQLite format 3\x00\x10\x00\x02\x02",
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, DBFile)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := New(dir).Open()
		if !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), store.MoveAsideCommand(path)) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want a damaged state file saying how to move it aside", name, err)
			continue
		}
		if err := os.Rename(path, path+".bad"); err != nil {
			t.Fatal(err)
		}
		if n := count(t, New(dir)); n != 0 {
			t.Errorf("%s: a new log has %d rows", name, n)
		}
	}
}
