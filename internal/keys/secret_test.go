package keys

import (
	"errors"
	"strings"
	"testing"
)

func TestReadSecretFromStdin(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{"one line", goodKey + "\n", goodKey, ""},
		{"no newline", goodKey, goodKey, ""},
		{"CRLF and spaces trimmed", "  " + goodKey + "\r\n", goodKey, ""},
		{"trailing blank lines", goodKey + "\n\n\n", goodKey, ""},
		{"empty", "", "", "no key on stdin"},
		{"blank", " \n\t\n", "", "no key on stdin"},
		{"two lines", goodKey + "\nlogin: me\n", "", "more than one line"},
		{"space inside", "Bearer " + goodKey, "", "contains spaces"},
		{"control character", "test-key\x00good", "", "control characters"},
		{"longest accepted", strings.Repeat("k", MaxKeyLen), strings.Repeat("k", MaxKeyLen), ""},
		{"too long", strings.Repeat("k", MaxKeyLen+1), "", sprintf("the key is %d bytes", MaxKeyLen+1)},
		{"far too long", strings.Repeat("k", 1<<20), "", "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadSecret(strings.NewReader(tt.in), false, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if got != "" {
					t.Errorf("returned a key with an error")
				}
				if strings.Contains(err.Error(), goodKey) {
					t.Errorf("the error shows the input: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ReadSecret = %s, %v; want %s", Fingerprint(got), err, Fingerprint(tt.want))
			}
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("read failed") }

func TestReadSecretErrors(t *testing.T) {
	if _, err := ReadSecret(failingReader{}, false, nil); err == nil || !strings.Contains(err.Error(), "read failed") {
		t.Errorf("read error: %v", err)
	}
	// A "terminal" that is not a file cannot be prompted on.
	var prompt strings.Builder
	if _, err := ReadSecret(strings.NewReader(goodKey), true, &prompt); err == nil || !strings.Contains(err.Error(), "not a terminal") {
		t.Errorf("terminal without a file descriptor: %v", err)
	}
}
