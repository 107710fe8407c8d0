package ptytest

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// SetSize gives the terminal tty a window size of cols × rows, as a
// terminal emulator does, so that programs reading it (TIOCGWINSZ) see it.
func SetSize(t *testing.T, tty *os.File, cols, rows int) {
	t.Helper()
	ws := &unix.Winsize{Col: uint16(cols), Row: uint16(rows)}
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, ws); err != nil {
		t.Skipf("set the terminal size: %v", err)
	}
}
