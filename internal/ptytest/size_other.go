//go:build !linux

package ptytest

import (
	"os"
	"testing"
)

// SetSize is implemented on Linux only, as Open is.
func SetSize(t *testing.T, tty *os.File, cols, rows int) {
	t.Helper()
	t.Skip("pseudo-terminal tests run on Linux only")
}
