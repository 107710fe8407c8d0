package ui

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/ptytest"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestIsTerminal(t *testing.T) {
	_, tty := ptytest.Open(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()

	if !IsTerminal(tty) {
		t.Error("IsTerminal(pty) = false, want true")
	}
	if IsTerminal(w) {
		t.Error("IsTerminal(pipe) = true, want false")
	}
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("IsTerminal(buffer) = true, want false")
	}
}

func TestColorEnabledOnTerminal(t *testing.T) {
	_, tty := ptytest.Open(t)
	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"plain terminal", map[string]string{"TERM": "xterm-256color"}, true},
		{"no TERM at all", nil, true},
		{"NO_COLOR=1", map[string]string{"NO_COLOR": "1"}, false},
		{"NO_COLOR=true", map[string]string{"NO_COLOR": "true"}, false},
		// no-color.org: any non-empty value disables colour, even "false".
		{"NO_COLOR=false", map[string]string{"NO_COLOR": "false"}, false},
		{"NO_COLOR=0", map[string]string{"NO_COLOR": "0"}, false},
		{"NO_COLOR empty", map[string]string{"NO_COLOR": ""}, true},
		{"TERM=dumb", map[string]string{"TERM": "dumb"}, false},
		{"CLICOLOR=0", map[string]string{"CLICOLOR": "0"}, false},
		{"CLICOLOR=1", map[string]string{"CLICOLOR": "1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ColorEnabled(tty, env(tt.env)); got != tt.want {
				t.Errorf("ColorEnabled = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestColorEnabledInPipe(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"pipe", nil, false},
		{"CLICOLOR_FORCE=1", map[string]string{"CLICOLOR_FORCE": "1"}, true},
		{"CLICOLOR_FORCE=0", map[string]string{"CLICOLOR_FORCE": "0"}, false},
		{"CLICOLOR_FORCE empty", map[string]string{"CLICOLOR_FORCE": ""}, false},
		{"CLICOLOR_FORCE beats TERM=dumb", map[string]string{"CLICOLOR_FORCE": "1", "TERM": "dumb"}, true},
		{"NO_COLOR=1 beats CLICOLOR_FORCE", map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "1"}, false},
		{"NO_COLOR=false beats CLICOLOR_FORCE", map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "false"}, false},
		{"NO_COLOR empty", map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": ""}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ColorEnabled(&bytes.Buffer{}, env(tt.env)); got != tt.want {
				t.Errorf("ColorEnabled = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestThemeColorOffEmitsNoEscapes(t *testing.T) {
	const text = "RPD 0/40\t↻13h05m\nline two"
	on, off := NewTheme(true), NewTheme(false)
	for name, pair := range map[string][2]Style{
		"OK": {on.OK, off.OK}, "Low": {on.Low, off.Low}, "Exhausted": {on.Exhausted, off.Exhausted},
		"Estimate": {on.Estimate, off.Estimate}, "Warning": {on.Warning, off.Warning},
		"Header": {on.Header, off.Header}, "Provider": {on.Provider, off.Provider},
	} {
		if got := pair[1].Render(text); got != text {
			t.Errorf("%s without colour = %q, want the text unchanged", name, got)
		}
		// The check above means something only if the coloured style does
		// add escape codes.
		if got := pair[0].Render(text); !strings.Contains(got, "\x1b[") {
			t.Errorf("%s with colour = %q, want ANSI codes", name, got)
		}
	}
}
