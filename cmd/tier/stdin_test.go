//go:build unix

package main

import (
	"bytes"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	fp "github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/ptytest"
)

// TestChatStdin: the prompt comes from the arguments and/or stdin, and tier
// never hangs on a stdin that is open but never written to.
func TestChatStdin(t *testing.T) {
	tests := []struct {
		name   string
		run    run
		code   int
		prompt string // what the provider received; "" when nothing was sent
		stderr string
		// minTime and maxTime bound how long the run took.
		minTime, maxTime time.Duration
	}{
		{
			name:   "piped stdin and arguments: both, stdin first",
			run:    run{args: []string{"review", "this"}, stdin: stdinData, input: "diff --git a/x b/x\n+new line\n"},
			prompt: "diff --git a/x b/x\n+new line\n\nreview this", maxTime: 3 * time.Second,
		},
		{
			name:   "piped stdin alone",
			run:    run{stdin: stdinData, input: "what is 2+2?\n"},
			prompt: "what is 2+2?", maxTime: 3 * time.Second,
		},
		{
			name:   "stdin at /dev/null and arguments: no wait",
			run:    run{args: []string{"hello"}, stdin: stdinNull, env: []string{"TIER_STDIN_TIMEOUT=10s"}},
			prompt: "hello", maxTime: 3 * time.Second,
		},
		{
			name:   "stdin closed and arguments: no wait",
			run:    run{args: []string{"hello"}, stdin: stdinClosed, env: []string{"TIER_STDIN_TIMEOUT=10s"}},
			prompt: "hello", maxTime: 3 * time.Second,
		},
		{
			name: "stdin at /dev/null and no arguments: exit 2",
			run:  run{stdin: stdinNull},
			code: 2, stderr: "tier: no prompt: stdin was empty and no prompt arguments were given", maxTime: 3 * time.Second,
		},
		{
			name:   "empty piped stdin and arguments: the arguments",
			run:    run{args: []string{"hello"}, stdin: stdinData, input: "  \n"},
			prompt: "hello", maxTime: 3 * time.Second,
		},
		{
			name:   "silent stdin and arguments: goes on after TIER_STDIN_TIMEOUT and says so",
			run:    run{args: []string{"hello"}, stdin: stdinSilent, env: []string{"TIER_STDIN_TIMEOUT=300ms"}},
			prompt: "hello", stderr: "tier: stdin sent nothing within 300ms; going on without it (use --no-stdin to skip the wait)",
			minTime: 300 * time.Millisecond, maxTime: 3 * time.Second,
		},
		{
			name:   "silent stdin and arguments, default timeout: 2s",
			run:    run{args: []string{"hello"}, stdin: stdinSilent},
			prompt: "hello", stderr: "stdin sent nothing within 2s",
			minTime: 2 * time.Second, maxTime: 5 * time.Second,
		},
		{
			name: "silent stdin and no arguments: exit 2 after TIER_STDIN_TIMEOUT",
			run:  run{stdin: stdinSilent, env: []string{"TIER_STDIN_TIMEOUT=300ms"}},
			code: 2, stderr: "tier: no prompt: nothing arrived on stdin within 300ms",
			minTime: 300 * time.Millisecond, maxTime: 3 * time.Second,
		},
		{
			name:   "silent stdin and --no-stdin: no wait at all",
			run:    run{args: []string{"--no-stdin", "hello"}, stdin: stdinSilent, env: []string{"TIER_STDIN_TIMEOUT=10s"}},
			prompt: "hello", maxTime: 3 * time.Second,
		},
		{
			name:   "--no-stdin ignores piped data",
			run:    run{args: []string{"--no-stdin", "hello"}, stdin: stdinData, input: "ignored"},
			prompt: "hello", maxTime: 3 * time.Second,
		},
		{
			name: "--no-stdin and no arguments: exit 2",
			run:  run{args: []string{"--no-stdin"}, stdin: stdinData, input: "ignored"},
			code: 2, stderr: "tier: no prompt: pass it as arguments", maxTime: 3 * time.Second,
		},
		{
			name: "TIER_STDIN_TIMEOUT that is not a duration: exit 2",
			run:  run{args: []string{"hello"}, stdin: stdinSilent, env: []string{"TIER_STDIN_TIMEOUT=soon"}},
			code: 2, stderr: `TIER_STDIN_TIMEOUT="soon" is not a duration`, maxTime: 3 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, fp.Groq)
			tt.run.args = append([]string{"chat", "-p", "fake"}, tt.run.args...)
			r := w.run(tt.run)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d", r.code, tt.code)
			}
			reqs := w.fake.Requests()
			switch {
			case tt.prompt == "" && len(reqs) > 0:
				t.Errorf("a request was sent: %q", lastUserMessage(t, reqs))
			case tt.prompt != "":
				if got := lastUserMessage(t, reqs); got != tt.prompt {
					t.Errorf("prompt sent %q, want %q", got, tt.prompt)
				}
			}
			if tt.stderr != "" && !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr lacks %q", tt.stderr)
			}
			if tt.stderr == "" && strings.Contains(r.stderr, "tier: ") {
				t.Errorf("unexpected notice on stderr")
			}
			if r.elapsed < tt.minTime || r.elapsed > tt.maxTime {
				t.Errorf("took %s, want %s to %s", r.elapsed, tt.minTime, tt.maxTime)
			}
			if t.Failed() {
				t.Logf("%s", r)
			}
		})
	}
}

// TestChatStdinSlowWriter: once the first byte arrives within the timeout,
// stdin is read to its end, however long the rest takes.
func TestChatStdinSlowWriter(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fp.Groq)
	cmd := w.command(run{args: []string{"chat", "-p", "fake", "summarise"}, env: []string{"TIER_STDIN_TIMEOUT=500ms"}})
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in.Write([]byte("part one\n"))
	time.Sleep(1200 * time.Millisecond) // longer than the timeout
	in.Write([]byte("part two\n"))
	in.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("tier failed: %v", err)
	}
	if got, want := lastUserMessage(t, w.fake.Requests()), "part one\npart two\n\nsummarise"; got != want {
		t.Errorf("prompt %q, want %q", got, want)
	}
}

// TestChatStdinTerminal: a terminal on stdin is never read, so tier neither
// waits for it nor takes the terminal's input as the prompt.
func TestChatStdinTerminal(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fp.Groq)
	master, tty := ptytest.Open(t)
	master.Write([]byte("typed ahead\n"))
	cmd := w.command(run{args: []string{"chat", "-p", "fake", "hello"}, env: []string{"TIER_STDIN_TIMEOUT=10s"}})
	cmd.Stdin = tty
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tier failed: %v\n%s", err, out)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s: tier waited for the terminal", d)
	}
	if got := lastUserMessage(t, w.fake.Requests()); got != "hello" {
		t.Errorf("prompt %q, want %q", got, "hello")
	}
}

// TestChatStdinInterrupt: Ctrl-C while tier waits for stdin (here, for
// ever: TIER_STDIN_TIMEOUT=0) ends it at once with exit 130.
func TestChatStdinInterrupt(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fp.Groq)
	cmd := w.command(run{args: []string{"chat", "-p", "fake"}, env: []string{"TIER_STDIN_TIMEOUT=0"}})
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	cmd.Stdin = pr
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	time.Sleep(300 * time.Millisecond)
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err = cmd.Wait()
	if code := exitCode(t, err, cmd); code != 130 {
		t.Errorf("exit %d, want 130; stderr: %q", code, stderr.String())
	}
	if d := time.Since(sent); d > 2*time.Second {
		t.Errorf("tier took %s to stop after SIGINT", d)
	}
	if w.requests() != 0 {
		t.Error("a request was sent")
	}
}
