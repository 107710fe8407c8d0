//go:build unix

package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	fp "github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/ptytest"
)

// TestChatStreamBroken: a stream that breaks after output began is not
// retried: what arrived stays on stdout, the error goes to stderr, the exit
// code says so, and the call is still counted in the ledger.
func TestChatStreamBroken(t *testing.T) {
	tests := []struct {
		name   string
		step   fp.Step
		code   int
		stdout string
		stderr string
	}{
		{"connection cut mid-way", fp.Step{Reply: "one two three four", CutAfter: 2}, 6,
			"one two \n", "tier: fake: the stream was cut before the reply finished (unexpected EOF)"},
		{"error chunk mid-way", fp.Step{Reply: "one two", StreamError: "upstream overloaded"}, 6,
			"one two\n", "tier: fake: error in the stream: upstream overloaded"},
		{"ends without [DONE] after a finish_reason: complete", fp.Step{Reply: "one two", NoDone: true}, 0,
			"one two\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, fp.Groq, tt.step)
			r := w.tier("chat", "-p", "fake", "hi")
			if r.code != tt.code || r.stdout != tt.stdout || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("want exit %d, stdout %q, stderr with %q; got:\n%s", tt.code, tt.stdout, tt.stderr, r)
			}
			if n := w.requests(); n != 1 {
				t.Errorf("the provider got %d requests, want 1 (no retry once output began)", n)
			}
			// The provider counts the tokens of a cut reply: so does the
			// ledger, estimated from what arrived when no usage came.
			if req, tok := w.usage(); req != 1 || tok == 0 {
				t.Errorf("ledger holds %d requests and %d tokens, want 1 and the tokens that arrived", req, tok)
			}
			if !strings.Contains(r.stderr, "fake · m1 · RPD 14399/14400") {
				t.Errorf("no quota line after a broken stream:\n%s", r)
			}
		})
	}
}

// TestChatJSON: --json prints exactly one object, on success and on every
// kind of failure, with the error's kind, message, HTTP status and exit
// code, and the exit code matches.
func TestChatJSON(t *testing.T) {
	tests := []struct {
		name     string
		steps    []fp.Step
		args     []string
		env      []string
		code     int
		kind     string
		status   int
		content  string
		hasQuota bool
	}{
		{"success", nil, nil, nil, 0, "", 0, fp.DefaultReply, true},
		{"429 beyond --max-wait", []fp.Step{{Status: 429, Body: fp.BodyRateLimited, Header: hdr("Retry-After", "30")}},
			[]string{"--max-wait", "1s"}, nil, 4, "rate_limited", 429, "", true},
		{"402", []fp.Step{{Status: 402, Body: fp.BodyDeepSeek402}}, nil, nil, 5, "quota_exhausted", 402, "", true},
		{"401", nil, nil, []string{"FAKE_KEY=" + wrongKey}, 3, "auth", 401, "", true},
		{"no key", nil, nil, []string{"FAKE_KEY="}, 3, "auth", 0, "", false},
		{"5xx after retries", []fp.Step{{Status: 500, Body: fp.BodyServerError}}, []string{"--retries", "0"}, nil, 6, "server", 500, "", true},
		{"stream cut", []fp.Step{{Reply: "one two three", CutAfter: 1}}, nil, nil, 6, "stream_cut", 0, "one ", true},
		{"unknown provider", nil, []string{"-p", "nope"}, nil, 2, "usage", 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, fp.Groq, tt.steps...)
			args := append([]string{"chat", "-p", "fake", "--json"}, tt.args...)
			r := w.run(run{args: append(args, "hi"), env: tt.env})
			if r.code != tt.code {
				t.Errorf("exit %d, want %d", r.code, tt.code)
			}
			j := decodeOne(t, r)
			if j.Content != tt.content {
				t.Errorf("content %q, want %q", j.Content, tt.content)
			}
			if (j.Quota != nil) != tt.hasQuota {
				t.Errorf("quota present = %v, want %v", j.Quota != nil, tt.hasQuota)
			}
			switch {
			case tt.code == 0 && j.Error != nil:
				t.Errorf("error on success: %+v", j.Error)
			case tt.code != 0 && j.Error == nil:
				t.Errorf("no error member")
			case tt.code != 0:
				if j.Error.Kind != tt.kind || j.Error.HTTPStatus != tt.status || j.Error.ExitCode != tt.code || j.Error.Message == "" {
					t.Errorf("error = %+v, want kind %q, http_status %d, exit_code %d", *j.Error, tt.kind, tt.status, tt.code)
				}
				if !strings.Contains(r.stderr, "tier: "+j.Error.Message) {
					t.Errorf("stderr does not repeat the error message")
				}
			}
			if t.Failed() {
				t.Logf("%s", r)
			}
		})
	}
}

// TestChatInterrupt: Ctrl-C (SIGINT) in the middle of a stream stops tier
// cleanly: what arrived stays on stdout, exit code 130, and the call is
// recorded in the ledger. SIGINT during a retry wait stops it at once.
func TestChatInterrupt(t *testing.T) {
	t.Run("mid-stream", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, fp.Groq, fp.Step{Reply: "first second third", StallAfter: 2})
		cmd := w.command(run{args: []string{"chat", "-p", "fake", "hi"}})
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		out := newPump(stdout)
		out.waitFor(t, "first second ", 10*time.Second)
		cmd.Process.Signal(syscall.SIGINT)
		got := out.all()
		err = cmd.Wait()
		r := result{args: cmd.Args[1:], stdout: got, stderr: stderr.String(), code: exitCode(t, err, cmd)}
		w.checkNoKey(r)
		if r.code != 130 || r.stdout != "first second \n" || !strings.Contains(r.stderr, "tier: interrupted") {
			t.Errorf("want exit 130, the partial reply and 'interrupted':\n%s", r)
		}
		if req, tok := w.usage(); req != 1 || tok == 0 {
			t.Errorf("ledger holds %d requests and %d tokens after Ctrl-C, want 1 and the tokens that arrived", req, tok)
		}
		if _, ok := w.snapshot(); !ok {
			t.Error("no snapshot stored after Ctrl-C")
		}
	})
	t.Run("during a retry wait", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, fp.Groq, fp.Step{Status: 429, Body: fp.BodyRateLimited, Header: hdr("Retry-After", "20")})
		cmd := w.command(run{args: []string{"chat", "-p", "fake", "hi"}})
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for w.requests() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
		sent := time.Now()
		cmd.Process.Signal(syscall.SIGINT)
		err := cmd.Wait()
		r := result{args: cmd.Args[1:], stdout: stdout.String(), stderr: stderr.String(), code: exitCode(t, err, cmd), elapsed: time.Since(sent)}
		if r.code != 130 || r.elapsed > 2*time.Second {
			t.Errorf("want exit 130 soon after SIGINT:\n%s", r)
		}
		if n := w.requests(); n != 1 {
			t.Errorf("the provider got %d requests, want 1", n)
		}
	})
}

// pump reads r to its end in the background, so that a test can wait for
// some output while the process is still running.
type pump struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan struct{}
}

func newPump(r io.Reader) *pump {
	p := &pump{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			p.mu.Lock()
			p.buf.Write(b[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return p
}

func (p *pump) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.String()
}

// waitFor fails the test unless the output ends with want within timeout.
func (p *pump) waitFor(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.HasSuffix(p.String(), want) {
		select {
		case <-p.done:
			if !strings.HasSuffix(p.String(), want) {
				t.Fatalf("output ended before %q arrived; got %q", want, p.String())
			}
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q did not arrive within %s; got %q", want, timeout, p.String())
		}
	}
}

// all waits for the end of the output and returns it.
func (p *pump) all() string {
	<-p.done
	return p.String()
}

// TestChatStreamsPromptly: each token reaches stdout as it arrives, on a
// terminal and into a pipe alike, even while the provider is still
// thinking about the next one.
func TestChatStreamsPromptly(t *testing.T) {
	for _, onTTY := range []bool{false, true} {
		name := "pipe"
		if onTTY {
			name = "terminal"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, fp.Groq, fp.Step{Reply: "first then nothing", StallAfter: 1})
			cmd := w.command(run{args: []string{"chat", "-p", "fake", "hi"}})
			var out io.Reader
			var closeOut func()
			if onTTY {
				master, tty := ptytest.Open(t)
				cmd.Stdout = tty
				out, closeOut = master, func() {}
			} else {
				pr, pw, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				cmd.Stdout = pw
				out, closeOut = pr, func() { pw.Close() }
				defer pr.Close()
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			closeOut()
			newPump(out).waitFor(t, "first ", 10*time.Second)
			cmd.Process.Signal(syscall.SIGINT)
			cmd.Wait()
		})
	}
}

// TestChatColorOnTerminal: the quota line is coloured on a terminal, and
// plain there too when NO_COLOR is set.
func TestChatColorOnTerminal(t *testing.T) {
	for _, tt := range []struct {
		env   []string
		color bool
	}{{nil, true}, {[]string{"NO_COLOR=1"}, false}} {
		w := newWorld(t, fp.Groq)
		cmd := w.command(run{args: []string{"chat", "-p", "fake", "hi"}, env: tt.env})
		master, tty := ptytest.Open(t)
		cmd.Stderr = tty
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v", err)
		}
		tty.Close()
		line, _ := bufio.NewReader(master).ReadString('\n')
		if got := strings.Contains(line, "\x1b["); got != tt.color {
			t.Errorf("env %v: colour = %v, want %v: %q", tt.env, got, tt.color, line)
		}
		if !strings.Contains(line, "14399/14400") {
			t.Errorf("env %v: no quota line on the terminal: %q", tt.env, line)
		}
		if strings.Contains(stdout.String(), "\x1b[") {
			t.Errorf("escape codes in the reply: %q", stdout.String())
		}
	}
}

// TestChatOutputClosed: `tier chat ... | head -c 5` closes tier's stdout
// mid-stream. tier stops reading the stream at once and still records the
// call in the ledger and the snapshot in the store.
func TestChatOutputClosed(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fp.Groq, fp.Step{Tokens: 2_000_000})
	cmd := w.command(run{args: []string{"chat", "-p", "fake", "hi"}})
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = pw
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	b := make([]byte, 5)
	if _, err := io.ReadFull(pr, b); err != nil || string(b) != "tok t" {
		t.Fatalf("read %q, %v", b, err)
	}
	pr.Close() // like head -c 5
	start := time.Now()
	err = cmd.Wait()
	code := exitCode(t, err, cmd)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("tier took %s to stop after its stdout closed", d)
	}
	if code != 141 {
		t.Errorf("exit %d, want 141 (as if killed by SIGPIPE, the shell convention)", code)
	}
	if req, tok := w.usage(); req != 1 || tok == 0 {
		t.Errorf("ledger holds %d requests and %d tokens, want 1 and the tokens that arrived: the call was made", req, tok)
	}
	if _, ok := w.snapshot(); !ok {
		t.Error("no snapshot stored")
	}
	if strings.Contains(stderr.String(), "tier: ") {
		t.Errorf("a closed stdout is not an error to report: %q", stderr.String())
	}
}

// TestChatStall: a provider that goes silent, mid-stream or before its
// headers, does not hang tier: after TIER_STALL_TIMEOUT the call fails as a
// network failure (exit 6), keeping what arrived; silence before any output
// is retried.
func TestChatStall(t *testing.T) {
	tests := []struct {
		name   string
		steps  []fp.Step
		args   []string
		code   int
		stdout string
		reqs   int
	}{
		{"mid-stream", []fp.Step{{Reply: "one two three", StallAfter: 1}}, nil, 6, "one \n", 1},
		{"before the headers, then fine", []fp.Step{{Delay: 5 * time.Second}, {Reply: "fine"}}, nil, 0, "fine\n", 2},
		{"not streamed, before the headers", []fp.Step{{Delay: 5 * time.Second}}, []string{"--no-stream", "--retries", "0"}, 6, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, fp.Groq, tt.steps...)
			r := w.run(run{args: append(append([]string{"chat", "-p", "fake"}, tt.args...), "hi"), env: []string{"TIER_STALL_TIMEOUT=500ms"}})
			if r.code != tt.code || r.stdout != tt.stdout || w.requests() != tt.reqs {
				t.Errorf("want exit %d, stdout %q, %d requests; got %d requests:\n%s", tt.code, tt.stdout, tt.reqs, w.requests(), r)
			}
			if tt.code == 6 && !strings.Contains(r.stderr, "tier: fake: nothing arrived for 500ms: the reply stalled") {
				t.Errorf("stderr does not say the reply stalled:\n%s", r)
			}
			if r.elapsed > 4*time.Second {
				t.Errorf("took %s", r.elapsed)
			}
		})
	}
}

// TestChatOutputFull: stdout on a full disk (/dev/full) is an internal
// failure (exit 1) that says so; the call is still recorded.
func TestChatOutputFull(t *testing.T) {
	t.Parallel()
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	for _, mode := range []string{"--no-stream", "--retries=3"} {
		w := newWorld(t, fp.Groq)
		cmd := w.command(run{args: []string{"chat", "-p", "fake", mode, "hi"}})
		cmd.Stdout = full
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		code := exitCode(t, cmd.Run(), cmd)
		if code != 1 || !strings.Contains(stderr.String(), "tier: cannot write the reply: write /dev/stdout: no space left on device") {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and the reason", mode, code, stderr.String())
		}
		if req, _ := w.usage(); req != 1 {
			t.Errorf("%s: ledger holds %d requests, want 1", mode, req)
		}
	}
}

// TestChatSlowReader: a reader that stops reading for longer than
// TIER_STALL_TIMEOUT (someone paging through the reply in less) is not a
// stalled provider: the whole reply arrives and tier exits 0.
func TestChatSlowReader(t *testing.T) {
	t.Parallel()
	const tokens = 100_000 // 400 kB: far more than a pipe holds
	w := newWorld(t, fp.Groq, fp.Step{Tokens: tokens})
	cmd := w.command(run{args: []string{"chat", "-p", "fake", "hi"}, env: []string{"TIER_STALL_TIMEOUT=300ms"}})
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond) // tier is blocked writing meanwhile
	out, _ := io.ReadAll(stdout)
	code := exitCode(t, cmd.Wait(), cmd)
	if code != 0 || len(out) != tokens*len(fp.Token)+1 {
		t.Errorf("exit %d, %d bytes; want 0 and %d bytes; stderr: %s", code, len(out), tokens*len(fp.Token)+1, stderr.String())
	}
}
