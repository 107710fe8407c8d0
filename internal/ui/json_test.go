package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/ptytest"
)

type sample struct {
	Provider string   `json:"provider"`
	Note     string   `json:"note"`
	Left     *float64 `json:"left,omitempty"`
}

var sampleValue = sample{Provider: "groq", Note: "<a & b>", Left: f64(4.98)}

const (
	compactJSON  = `{"provider":"groq","note":"<a & b>","left":4.98}` + "\n"
	indentedJSON = "{\n  \"provider\": \"groq\",\n  \"note\": \"<a & b>\",\n  \"left\": 4.98\n}\n"
)

func TestWriteJSONModes(t *testing.T) {
	tests := []struct {
		name   string
		indent bool
		want   string
	}{
		{"pipe: compact, one line, HTML left alone", false, compactJSON},
		{"terminal: two-space indent", true, indentedJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := writeJSON(&buf, sampleValue, tt.indent); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWriteJSONPicksModeFromWriter(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sampleValue); err != nil {
		t.Fatal(err)
	}
	if buf.String() != compactJSON {
		t.Errorf("WriteJSON(buffer) = %q, want %q", buf.String(), compactJSON)
	}

	master, tty := ptytest.Open(t)
	if err := WriteJSON(tty, sampleValue); err != nil {
		t.Fatal(err)
	}
	// The terminal turns "\n" into "\r\n"; read until the closing brace.
	want := strings.ReplaceAll(indentedJSON, "\n", "\r\n")
	if err := master.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Skipf("cannot time out reads on the pty: %v", err)
	}
	var got []byte
	chunk := make([]byte, 1024)
	for len(got) < len(want) {
		n, err := master.Read(chunk)
		got = append(got, chunk[:n]...)
		if err != nil {
			break
		}
	}
	if string(got) != want {
		t.Errorf("WriteJSON(terminal) = %q, want %q", got, want)
	}
}
