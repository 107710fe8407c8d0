//go:build unix

package main

import (
	"bytes"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

// A key_cmd that prints far more than any key (a misconfigured command,
// `yes`, a binary file) is refused in bounded memory: tier keeps no more of
// its stdout than a key can be, and says what went wrong.
func TestKeyCmdHugeOutputBoundedMemory(t *testing.T) {
	w := newWorld(t, fakeprovider.Groq)
	w.setenv("TIER_NO_KEYRING=1", "FAKE_KEY=")
	w.writeConfig(fmt.Sprintf("providers:\n  fake:\n    base_url: %q\n    default_model: m1\n    dialect: groq\n"+
		"    key_cmd: 'yes | head -c 200000000 | tr -d \"\\n\"'\n", w.srv.URL+"/v1"))
	cmd := w.command(run{args: []string{"chat", "-p", "fake", "--no-stdin", "hi"}})
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := exitCode(t, err, cmd)
	if code != 3 {
		t.Fatalf("exit %d, want 3\n--- stderr\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "key_cmd of fake printed more than") {
		t.Errorf("stderr does not say key_cmd printed too much:\n%s", stderr.String())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > 100<<10 { // KiB on Linux
		t.Errorf("tier used %d MiB reading a 200 MB key_cmd output; want under 100 MiB", ru.Maxrss>>10)
	}
	if n := len(w.fake.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
