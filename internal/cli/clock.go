package cli

import (
	"context"
	"time"
)

// testNow, when a test sets it, is the clock of every app in place of
// time.Now: what chat records, what quota projects and estimates against.
// Production code never sets it.
var testNow func() time.Time

// clock is the clock a new app uses.
func clock() func() time.Time {
	if testNow != nil {
		return testNow
	}
	return time.Now
}

// testWait, when a test sets it, replaces chat's wait between retries (the
// countdown), so that a fake clock can move instead of the test sleeping.
// Production code never sets it.
var testWait func(ctx context.Context, d time.Duration, why string) error
