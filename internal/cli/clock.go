package cli

import "time"

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
