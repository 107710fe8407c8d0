package keys

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"golang.org/x/term"
)

// MaxSecretLen is the longest value tier stores in a keyring item (a key
// with the host it is pinned to): Windows' Credential Manager holds at most
// 2560 bytes, and a key must work on every OS.
const MaxSecretLen = 2560

// ValidateSecret rejects an empty key, one over MaxKeyLen bytes, and one
// with spaces or control characters (a pasted "Bearer …", a stray newline).
// Its errors never quote the key.
func ValidateSecret(s string) error {
	if s == "" {
		return errors.New("the key is empty: paste the whole key")
	}
	if len(s) > MaxKeyLen {
		return fmt.Errorf("the key is %d bytes; keys of up to %d bytes are accepted (what the keyring holds on every OS, with the host the key is pinned to): check what you pasted", len(s), MaxKeyLen)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return errors.New("the key contains spaces, control characters or invalid UTF-8: paste only the key")
		}
	}
	return nil
}

// ReadSecret reads a key: from in when it is not a terminal (the first and
// only line, trimmed; `pass show groq | tier keys set groq`), otherwise with
// a hidden prompt written to prompt. in must then be a terminal file.
func ReadSecret(in io.Reader, isTerminal bool, prompt io.Writer) (string, error) {
	if !isTerminal {
		b, err := io.ReadAll(io.LimitReader(in, 4*MaxSecretLen+1))
		if err != nil {
			return "", fmt.Errorf("cannot read the key from stdin: %v", oneLine(err.Error()))
		}
		if len(b) > 4*MaxSecretLen {
			return "", fmt.Errorf("stdin holds more than %d bytes: pipe in only the key", 4*MaxSecretLen)
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			return "", errors.New("no key on stdin: pipe it in (e.g. 'pass show groq | tier keys set groq') or run the command in a terminal to be prompted")
		}
		if strings.ContainsAny(s, "\r\n") {
			return "", errors.New("stdin holds more than one line: pipe in only the key (e.g. append '| head -n 1')")
		}
		if err := ValidateSecret(s); err != nil {
			return "", err
		}
		return s, nil
	}
	f, ok := in.(interface {
		io.Reader
		Fd() uintptr
	})
	if !ok {
		return "", errors.New("cannot prompt for the key: stdin is not a terminal file; pipe the key in instead")
	}
	b, err := readHidden(f, int(f.Fd()), prompt)
	if prompt != nil {
		fmt.Fprintln(prompt)
	}
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", errors.New("no key entered: paste the key at the prompt")
	}
	if err := ValidateSecret(s); err != nil {
		return "", err
	}
	return s, nil
}

// cancelled is the error of a cancelled prompt.
func cancelled(how string) error {
	return &kindError{kind: ErrCancelled, msg: "key prompt cancelled (" + how + "): no key was read"}
}

// The ends of a bracketed paste, after ESC.
var pasteStart, pasteEnd = []byte("[200~"), []byte("[201~")

// readHidden reads one line from the terminal fd without echo, in raw
// mode so that tier sees every key: Enter ends the line; Ctrl-C, Ctrl-D on
// an empty line and Esc cancel (ErrCancelled); Backspace deletes a
// character and Ctrl-U the line; other control characters are ignored.
// Whatever follows Enter in the same read is dropped. The prompt is
// written to prompt (if not nil) once the terminal is in raw mode, so that
// nothing typed after it appears is echoed or turned into a signal. The
// terminal is restored before it returns.
func readHidden(r io.Reader, fd int, prompt io.Writer) ([]byte, error) {
	old, err := term.MakeRaw(fd)
	if err != nil {
		return nil, fmt.Errorf("cannot read the key from the terminal: %v", oneLine(err.Error()))
	}
	defer term.Restore(fd, old)
	if prompt != nil {
		fmt.Fprint(prompt, "Paste the key (input is hidden; Enter to finish, Ctrl-C or Esc to cancel): ")
	}
	var line []byte
	buf := make([]byte, 256)
	for {
		n, err := r.Read(buf)
		for i := 0; i < n; i++ {
			c := buf[i]
			switch {
			case c == 0x1b && (bytes.HasPrefix(buf[i+1:n], pasteStart) || bytes.HasPrefix(buf[i+1:n], pasteEnd)):
				// A terminal in bracketed-paste mode wraps what is pasted
				// in ESC [200~ … ESC [201~: not an Esc key.
				i += len(pasteStart)
			case c == 0x03:
				return nil, cancelled("Ctrl-C")
			case c == 0x04 && len(line) == 0:
				return nil, cancelled("Ctrl-D")
			case c == 0x1b:
				return nil, cancelled("Esc")
			case c == '\r' || c == '\n':
				return line, nil
			case c == 0x7f || c == 0x08:
				// Drop the last character, with the rest of its UTF-8 bytes.
				for len(line) > 0 {
					last := line[len(line)-1]
					line = line[:len(line)-1]
					if last < 0x80 || last >= 0xc0 {
						break
					}
				}
			case c == 0x15:
				line = line[:0]
			case c < 0x20:
				// other control characters (Ctrl-D mid-line, Tab, …)
			default:
				if len(line) > 4*MaxSecretLen {
					return nil, errors.New("the key typed is far too long: paste only the key")
				}
				line = append(line, c)
			}
		}
		if err == io.EOF || (err == nil && n == 0) {
			return nil, cancelled("the terminal closed")
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read the key from the terminal: %v", oneLine(err.Error()))
		}
	}
}
