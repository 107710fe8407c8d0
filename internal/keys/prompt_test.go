package keys

import (
	"bytes"
	"errors"
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
			done := make(chan result, 1)
			var prompt bytes.Buffer
			go func() {
				k, err := ReadSecret(tty, true, &prompt)
				done <- result{k, err}
			}()
			time.Sleep(50 * time.Millisecond) // let the prompt set the terminal up
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
			if bytes.Contains(prompt.Bytes(), []byte("good")) {
				t.Errorf("the prompt echoed the key: %q", prompt.String())
			}
		})
	}
}

func sameState(a, b *term.State) bool {
	// term.State is opaque; compare what it holds.
	return *a == *b
}
