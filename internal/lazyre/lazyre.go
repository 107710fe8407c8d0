// Package lazyre compiles regular expressions on first use, so that package
// initialisation (which every run of tier pays, even 'tier --version') does
// no regexp work.
package lazyre

import (
	"regexp"
	"sync"
)

// New returns a function that compiles expr once, on its first call, and
// panics (like regexp.MustCompile) if expr is invalid.
func New(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
