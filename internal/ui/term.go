// Package ui owns tier's presentation: whether output goes to a terminal,
// whether to use colour, the lipgloss styles, tables, the one-line quota
// summary, countdowns and JSON output. It knows nothing of cobra or of how
// figures are obtained; it only renders them.
package ui

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal (an *os.File, or anything else
// with a file descriptor, that refers to a tty).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// ColorEnabled reports whether output written to w should be coloured.
//
// Colour is on when w is a terminal, NO_COLOR is unset or empty (any
// non-empty value disables colour, as no-color.org says: "false" and "0"
// disable it too), CLICOLOR is not "0", and TERM is not "dumb".
//
// CLICOLOR_FORCE set to anything but "" or "0" forces colour even in a pipe
// or on a dumb terminal (bixense.com/clicolors). NO_COLOR still wins over it:
// it is the user's standing request and the stronger one.
//
// getenv is os.Getenv in production; tests pass a map lookup.
func ColorEnabled(w io.Writer, getenv func(string) string) bool {
	return ColorFor(IsTerminal(w), getenv)
}

// ColorFor is ColorEnabled for output that is a terminal or not (tty), as
// the caller has decided.
func ColorFor(tty bool, getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" || getenv("CLICOLOR") == "0" {
		return false
	}
	if f := getenv("CLICOLOR_FORCE"); f != "" && f != "0" {
		return true
	}
	return getenv("TERM") != "dumb" && tty
}

// Terminal asks the OS whether stream (a reader or a writer) is a
// terminal, a character device that is a tty, and how wide it is in
// columns (0 when unknown).
func Terminal(stream any) (tty bool, width int) {
	f, ok := stream.(interface{ Fd() uintptr })
	if !ok {
		return false, 0
	}
	if file, ok := stream.(*os.File); ok {
		if fi, err := file.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
			return false, 0
		}
	}
	if !term.IsTerminal(int(f.Fd())) {
		return false, 0
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil || cols <= 0 {
		cols = 0
	}
	return true, cols
}
