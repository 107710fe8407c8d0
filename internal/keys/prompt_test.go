package keys

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/term"

	"github.com/tier-cli/tier/internal/ptytest"
)

// The hidden key prompt, in a real pseudo-terminal: Enter ends it; Ctrl-C,
// Ctrl-D on an empty line and Esc cancel it (ErrCancelled) and return no
// key, so that the next line typed (a shell command) can never become the
// key; the terminal is left as it was.
func TestHiddenPrompt(t *testing.T) {
	tests := []struct {
		name    string
		typed   string // what the user types, in one go
		want    string
		wantErr string // substring of a cancellation
	}{
		{name: "a key and Enter", typed: goodKey + "\r", want: goodKey},
		{name: "a key and a line feed", typed: goodKey + "\n", want: goodKey},
		{name: "backspace deletes", typed: goodKey + "x\x7f\r", want: goodKey},
		{name: "Ctrl-U clears the line", typed: "junk\x15" + goodKey + "\r", want: goodKey},
		{name: "what follows Enter is not part of the key", typed: goodKey + "\rls -l\r", want: goodKey},
		{name: "Ctrl-C cancels", typed: "\x03", wantErr: "Ctrl-C"},
		{name: "Ctrl-C cancels a half-typed key", typed: "test-key\x03", wantErr: "Ctrl-C"},
		{name: "Ctrl-D on an empty line cancels", typed: "\x04", wantErr: "Ctrl-D"},
		{name: "Ctrl-D after some input does nothing", typed: "test-key-\x04good-0001\r", want: goodKey},
		{name: "Esc cancels", typed: "\x1b", wantErr: "Esc"},
		{name: "a bracketed paste is not Esc", typed: "\x1b[200~" + goodKey + "\x1b[201~\r", want: goodKey},
		{name: "Enter on nothing: no key", typed: "\r", wantErr: "no key entered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			master, tty := ptytest.Open(t)
			before, err := term.GetState(int(tty.Fd()))
			if err != nil {
				t.Fatal(err)
			}
			type result struct {
				key string
				err error
			}
			// What the terminal echoes (the master is not pollable: read it
			// in a goroutine, which ends when the test closes it).
			var echoed ptytest.Buffer
			go io.Copy(&echoed, master)
			done := make(chan result, 1)
			prompt := &notifyWriter{shown: make(chan struct{})}
			go func() {
				k, err := ReadSecret(tty, true, prompt)
				done <- result{k, err}
			}()
			// Typed the moment the prompt appears: it must already be in
			// raw mode (no echo, no line editing, Ctrl-C not a signal).
			select {
			case <-prompt.shown:
			case <-time.After(3 * time.Second):
				t.Fatal("no prompt")
			}
			if _, err := master.Write([]byte(tt.typed)); err != nil {
				t.Fatal(err)
			}
			var r result
			select {
			case r = <-done:
			case <-time.After(3 * time.Second):
				master.Write([]byte("\r")) // unblock it
				<-done
				t.Fatalf("typing %q did not end the prompt", tt.typed)
			}
			switch {
			case tt.wantErr == "" && (r.err != nil || r.key != tt.want):
				t.Errorf("ReadSecret = %s, %v; want %s", Fingerprint(r.key), r.err, Fingerprint(tt.want))
			case tt.wantErr != "" && (r.err == nil || !bytes.Contains([]byte(r.err.Error()), []byte(tt.wantErr))):
				t.Errorf("ReadSecret = %s, %v; want an error with %q", Fingerprint(r.key), r.err, tt.wantErr)
			case tt.wantErr != "" && r.key != "":
				t.Errorf("a cancelled prompt returned a key")
			}
			if tt.wantErr != "" && tt.wantErr != "no key entered" && !errors.Is(r.err, ErrCancelled) {
				t.Errorf("err %v is not ErrCancelled", r.err)
			}
			after, err := term.GetState(int(tty.Fd()))
			if err != nil {
				t.Fatal(err)
			}
			if !sameState(before, after) {
				t.Errorf("the terminal was not restored")
			}
			if bytes.Contains(prompt.b.Bytes(), []byte("good")) {
				t.Errorf("the prompt echoed the key: %q", prompt.b.String())
			}
			time.Sleep(50 * time.Millisecond) // for an echo to arrive
			if echo := echoed.String(); strings.Contains(echo, "key") || strings.Contains(echo, "^C") {
				t.Errorf("the terminal echoed what was typed: %q", echo)
			}
		})
	}
}

// notifyWriter closes shown as its first write begins.
type notifyWriter struct {
	b     bytes.Buffer
	shown chan struct{}
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	if w.b.Len() == 0 {
		close(w.shown)
		// A slow terminal: the user types while the prompt is still being
		// written.
		time.Sleep(30 * time.Millisecond)
	}
	return w.b.Write(p)
}

func sameState(a, b *term.State) bool {
	// term.State is opaque; compare what it holds.
	return *a == *b
}
