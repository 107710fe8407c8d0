// Package prompt owns what a user gives tier on the command line and stdin:
// the prompt joined from arguments and stdin, the first-byte timeout that
// keeps tier from hanging on a silent inherited stdin (TIER_STDIN_TIMEOUT),
// and timeouts read from the environment. It knows nothing of cobra.
package prompt

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Error is a prompt that cannot be read: bad usage (exit 2), or, when
// Interrupted, a wait that Ctrl-C ended (exit 130).
type Error struct {
	Msg         string
	Interrupted bool
}

func (e *Error) Error() string { return e.Msg }

func errorf(format string, a ...any) error { return &Error{Msg: fmt.Sprintf(format, a...)} }

// The stdin rule (documented in 'tier chat --help'):
//   - stdin that is a terminal is never read;
//   - --no-stdin never reads it;
//   - otherwise tier waits for the first byte: when the prompt is also given
//     as arguments, for TIER_STDIN_TIMEOUT (default 2s), then goes on without
//     stdin and says so; with no prompt arguments, for TIER_STDIN_TIMEOUT
//     (default 30s), then fails with exit code 2. TIER_STDIN_TIMEOUT=0 waits
//     forever. Once data arrives, stdin is read to its end.
//
// This is what keeps 'tier chat "hi"' from hanging in a CI job or a child
// process whose inherited stdin is open but never written to.
const (
	GraceWithArgs = 2 * time.Second
	GraceNoArgs   = 30 * time.Second
)

// Input is a prompt as read.
type Input struct {
	Text       string
	FromStdin  bool
	StdinNote  string // a notice for stderr (stdin ignored)
	StdinBytes int
}

// StdinTimeout is TIER_STDIN_TIMEOUT, def when unset.
func StdinTimeout(getenv func(string) string, def time.Duration) (time.Duration, error) {
	return EnvDuration(getenv, "TIER_STDIN_TIMEOUT", def)
}

// EnvDuration reads a timeout from the environment variable name: a Go
// duration or seconds; def when unset; 0 means wait for ever.
func EnvDuration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d, nil
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), nil
	}
	return 0, errorf("%s=%q is not a duration: use e.g. 2s, 500ms or 0 (wait forever)", name, v)
}

// Read joins the prompt arguments and stdin (stdin first, then a blank
// line, then the arguments: 'git diff | tier chat "review this"'); with
// noStdin (or a stdin that is a terminal) it reads no stdin. Ctrl-C while
// it waits for stdin ends the wait (an Error that is Interrupted).
func Read(ctx context.Context, args []string, stdin io.Reader, noStdin bool, getenv func(string) string) (Input, error) {
	argText := strings.TrimSpace(strings.Join(args, " "))
	in := Input{Text: argText}
	if noStdin || stdin == nil {
		if argText == "" {
			return in, errorf("no prompt: pass it as arguments (tier chat \"hello\") or pipe it on stdin")
		}
		return in, nil
	}
	def := GraceNoArgs
	if argText != "" {
		def = GraceWithArgs
	}
	grace, err := StdinTimeout(getenv, def)
	if err != nil {
		return in, err
	}
	data, timedOut, err := ReadFirstByte(ctx, stdin, grace)
	if ctx.Err() != nil {
		return in, &Error{Msg: "interrupted while waiting for stdin", Interrupted: true}
	}
	if err != nil {
		return in, errorf("cannot read stdin: %v (use --no-stdin to ignore it)", err)
	}
	if timedOut {
		if argText == "" {
			return in, errorf("no prompt: nothing arrived on stdin within %s; pass the prompt as arguments, or set TIER_STDIN_TIMEOUT=0 to wait for stdin", grace)
		}
		in.StdinNote = fmt.Sprintf("stdin sent nothing within %s; going on without it (use --no-stdin to skip the wait)", grace)
		return in, nil
	}
	stdinText := strings.TrimRight(string(data), "\r\n\t ")
	in.StdinBytes = len(data)
	switch {
	case stdinText == "" && argText == "":
		return in, errorf("no prompt: stdin was empty and no prompt arguments were given: pass the prompt as arguments (tier chat \"hello\") or pipe text in")
	case stdinText == "":
	case argText == "":
		in.Text, in.FromStdin = stdinText, true
	default:
		in.Text, in.FromStdin = stdinText+"\n\n"+argText, true
	}
	return in, nil
}

// ReadFirstByte reads r to EOF, giving up (timedOut) when the first byte
// has not arrived within grace (0 = wait forever), or with ctx's error
// when ctx is done. A reader left blocked is abandoned; the process exits
// soon after.
func ReadFirstByte(ctx context.Context, r io.Reader, grace time.Duration) (data []byte, timedOut bool, err error) {
	type result struct {
		data []byte
		err  error
	}
	first := make(chan struct{})
	done := make(chan result, 1)
	go func() {
		var buf bytes.Buffer
		p := make([]byte, 32<<10)
		signalled := false
		for {
			n, rerr := r.Read(p)
			if n > 0 || rerr != nil {
				if !signalled {
					close(first)
					signalled = true
				}
			}
			buf.Write(p[:n])
			if rerr == io.EOF {
				done <- result{buf.Bytes(), nil}
				return
			}
			if rerr != nil {
				done <- result{buf.Bytes(), rerr}
				return
			}
		}
	}()
	if grace > 0 {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-first:
		case <-t.C:
			return nil, true, nil
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	select {
	case res := <-done:
		return res.data, false, res.err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}
