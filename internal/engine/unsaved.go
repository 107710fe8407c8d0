package engine

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tier-cli/tier/internal/store"
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

// demoCounter is the demo provider's api.DemoCounter: the store's, best
// effort. A request counted whose counters could not be saved (a state
// directory tier cannot write) is answered all the same, as a real
// provider's call is when its usage cannot be recorded, and the failure
// joins what the call could not save: one warning, not a "server error" to
// retry. Only a count that could not be made (a damaged file) fails the
// demo's request.
type demoCounter struct {
	store *store.Store
	mu    sync.Mutex
	err   error // the first failure to save
}

func (c *demoCounter) CountDemoRequest(now time.Time, rpm, rpd int64) (minute, day int64, allowed bool, err error) {
	minute, day, allowed, err = c.store.CountDemoRequest(now, rpm, rpd)
	if errors.Is(err, store.ErrDemoUnsaved) {
		c.mu.Lock()
		if c.err == nil {
			c.err = err
		}
		c.mu.Unlock()
		err = nil
	}
	return minute, day, allowed, err
}

// unsaved is the first failure to save the counters; nil when all were
// saved, or c is nil (not the demo).
func (c *demoCounter) unsaved() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
