//go:build unix

package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

// A damaged state file stops every command that reads it the same way: exit
// 2, before any request is spent, with one line that names the file and
// gives the exact command that moves it aside; the file itself is left as it
// was (it is never overwritten with fresh state).
func TestDamagedStateFile(t *testing.T) {
	readers := map[string][][]string{
		"snapshots.bin": {
			{"chat", "-p", "fake", "--no-stdin", "hi"}, {"chat", "-p", "demo", "--no-stdin", "hi"},
			{"quota"}, {"quota", "fake"}, {"quota", "--json"}, {"models", "fake"},
		},
		"ledger.bin":       {{"chat", "-p", "fake", "--no-stdin", "hi"}, {"chat", "-p", "demo", "--no-stdin", "hi"}, {"quota"}, {"quota", "demo"}},
		"seen.json":        {{"chat", "-p", "fake", "--no-stdin", "hi"}, {"quota"}},
		"demo.json":        {{"chat", "-p", "demo", "--no-stdin", "hi"}},
		"keys.json":        {{"keys", "list"}, {"quota"}},
		"models-fake.json": {{"models", "fake"}},
	}
	for file, cmds := range readers {
		for _, args := range cmds {
			t.Run(file+"/"+strings.Join(args, " "), func(t *testing.T) {
				w := newWorld(t, fakeprovider.Groq)
				w.setenv("TIER_NO_KEYRING=1")
				if err := os.MkdirAll(w.state, 0o700); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(w.state, file)
				damaged := []byte("not what tier wrote\n")
				if err := os.WriteFile(path, damaged, 0o600); err != nil {
					t.Fatal(err)
				}
				r := w.tier(args...)
				if r.code != 2 {
					t.Errorf("exit %d, want 2\n%s", r.code, r)
				}
				if want := "mv " + path + "{,.bad}"; !strings.Contains(r.stderr, want) {
					t.Errorf("stderr does not give the command %q\n%s", want, r)
				}
				if n := strings.Count(r.stderr, path+" is unreadable"); n != 1 {
					t.Errorf("stderr names the damaged file %d times, want once\n%s", n, r)
				}
				if slices.Contains(args, "--json") {
					if !strings.HasPrefix(r.stdout, `{"error":`) || !strings.Contains(r.stdout, `"exit_code":2`) {
						t.Errorf("stdout is not the JSON error object of exit 2\n%s", r)
					}
				} else if r.stdout != "" {
					t.Errorf("stdout is not empty\n%s", r)
				}
				if n := w.requests(); n != 0 {
					t.Errorf("%d requests were spent with a damaged state", n)
				}
				if b, _ := os.ReadFile(path); string(b) != string(damaged) {
					t.Errorf("the damaged file was changed: %q", b)
				}
			})
		}
	}
}
