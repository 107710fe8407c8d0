package engine

import (
	"slices"
	"strings"
)

// unsaved gathers the state a call could not save, so that one unwritable
// state directory costs one warning, not one per file.
type unsaved struct {
	what []string
	err  error // the first failure
}

// note records err for what; it says whether what was saved.
func (u *unsaved) note(what string, err error) bool {
	if err == nil {
		return true
	}
	if !slices.Contains(u.what, what) {
		u.what = append(u.what, what)
	}
	if u.err == nil {
		u.err = err
	}
	return false
}

// message is "usage and quota not saved: why", or "" when all was saved
// (why may have several lines).
func (u *unsaved) message() string {
	if u.err == nil {
		return ""
	}
	what := strings.Join(u.what, ", ")
	if n := len(u.what); n > 1 {
		what = strings.Join(u.what[:n-1], ", ") + " and " + u.what[n-1]
	}
	return what + " not saved: " + u.err.Error()
}
