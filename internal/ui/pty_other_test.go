//go:build !linux

package ui

import (
	"os"
	"testing"
)

// openPTY is implemented on Linux only; elsewhere the tests that need a
// terminal are skipped.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	t.Skip("pseudo-terminal tests run on Linux only")
	return nil, nil
}
