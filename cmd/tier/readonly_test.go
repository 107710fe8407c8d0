//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

// A state directory tier cannot write to costs a chat one warning line, not
// one per state file: the reply and the quota line are still shown, and the
// exit is 0. (The lock files are made directories so that the writes fail
// even for root, who may write anywhere else.)
func TestChatUnwritableStateWarnsOnce(t *testing.T) {
	w := newWorld(t, fakeprovider.Groq)
	if err := os.MkdirAll(w.state, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"snapshots", "ledger", "seen", "keys", "demo"} {
		if err := os.Mkdir(filepath.Join(w.state, name+".lock"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	r := w.tier("chat", "-p", "fake", "--no-stdin", "hi")
	if r.code != 0 || r.stdout != fakeprovider.DefaultReply+"\n" {
		t.Fatalf("want the reply and exit 0\n%s", r)
	}
	if n := strings.Count(r.stderr, "warning"); n != 1 {
		t.Errorf("%d warnings, want one\n%s", n, r)
	}
	if !strings.Contains(r.stderr, "fake · m1 · RPD ") {
		t.Errorf("no quota line\n%s", r)
	}
}
