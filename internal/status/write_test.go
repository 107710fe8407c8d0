package status

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/ui"
)

func TestWriteNeverBreaksAPrompt(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	line := Line{Providers: []Provider{{Name: "groq"}}}
	good, err := Parse("{{range .Providers}}{{.Name}}{{end}}")
	if err != nil {
		t.Fatal(err)
	}
	// A template that parses (its fields exist) but fails on this line's
	// data: there is no sixth provider.
	bad, err := Parse("{{(index .Providers 5).Name}}")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		line   Line
		tmpl   bool
		bad    bool
		strict bool
		want   string
		fmtErr bool
	}{
		{"template", line, true, false, false, "groq", false},
		{"nothing known: an empty line", Line{}, true, false, false, "\n", false},
		{"a failing template: an empty line", line, true, true, false, "\n", false},
		{"a failing template, strict", line, true, true, true, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := good
			if tt.bad {
				tmpl = bad
			}
			var b bytes.Buffer
			err := Write(&b, tt.line, tmpl, tt.strict, now, ui.NewTheme(false))
			if got := errors.As(err, new(*FormatError)); got != tt.fmtErr {
				t.Fatalf("err = %v, want a FormatError: %v", err, tt.fmtErr)
			}
			if !tt.fmtErr && (err != nil || !bytes.HasPrefix(b.Bytes(), []byte(tt.want))) {
				t.Errorf("wrote %q, %v; want %q", b.String(), err, tt.want)
			}
		})
	}
}
