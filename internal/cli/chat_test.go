package cli_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/tier-cli/tier/internal/cli"
)

// closedPipe is a stdout whose reader went away: every write fails as a
// write to a closed pipe does with SIGPIPE ignored.
type closedPipe struct{}

func (closedPipe) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
}

// runChat runs 'tier chat' on the offline demo provider with a fresh
// state and config directory and returns stderr and the exit code.
func runChat(t *testing.T, stdout *bytes.Buffer, args ...string) (string, int) {
	t.Helper()
	vars := map[string]string{
		"TIER_STATE_DIR":  t.TempDir(),
		"TIER_CONFIG_DIR": t.TempDir(),
		"TIER_NO_KEYRING": "1",
	}
	env := &cli.Env{Stdin: strings.NewReader(""), Stderr: new(bytes.Buffer), Getenv: func(k string) string { return vars[k] }}
	if stdout != nil {
		env.Stdout = stdout
	} else {
		env.Stdout = closedPipe{}
	}
	code := cli.Run(context.Background(), env, append([]string{"chat", "-p", "demo", "--no-stdin"}, args...))
	return env.Stderr.(*bytes.Buffer).String(), code
}

func TestChatExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		closed     bool // stdout's reader went away
		want       int
		wantStderr string // a part of stderr; "" checks nothing
	}{
		{name: "a reply to a working stdout", args: []string{"-q", "hello"}, want: 0},
		{name: "a reply whose reader went away: 141, as the help says", args: []string{"-q", "hello"}, closed: true, want: 141},
		{name: "--json whose reader went away: 141 too, not 0", args: []string{"-q", "--json", "hello"}, closed: true, want: 141},
		{name: "--max-tokens below 0 is a usage error, not sent", args: []string{"--max-tokens", "-3", "hello"}, want: 2,
			wantStderr: "--max-tokens must be a positive number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out *bytes.Buffer
			if !tt.closed {
				out = new(bytes.Buffer)
			}
			stderr, code := runChat(t, out, tt.args...)
			if code != tt.want {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.want, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q, want it to contain %q", stderr, tt.wantStderr)
			}
			if tt.closed && strings.Contains(stderr, "broken pipe") {
				t.Errorf("stderr %q: a reader that went away is not worth a message", stderr)
			}
		})
	}
}
