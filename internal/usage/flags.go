package usage

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Flags are what 'tier usage' is asked for on its command line: one of
// Daily (the default), Weekly, Monthly; Since a date or an age; By one of
// Groupings.
type Flags struct {
	Daily, Weekly, Monthly bool
	Since, By              string
}

// Query is the report f asks for at now, in loc; the error says which flag
// is wrong and what it takes.
func (f Flags) Query(now time.Time, loc *time.Location) (Query, error) {
	q := Query{Bucket: Daily, By: f.By, Loc: loc}
	n := 0
	for _, b := range []bool{f.Daily, f.Weekly, f.Monthly} {
		if b {
			n++
		}
	}
	if n > 1 {
		return q, errors.New("--daily, --weekly and --monthly exclude each other: pass one")
	}
	switch {
	case f.Weekly:
		q.Bucket = Weekly
	case f.Monthly:
		q.Bucket = Monthly
	}
	if f.By != "" && !slices.Contains(Groupings, f.By) {
		return q, fmt.Errorf("--by takes provider, key, model or tag, got %q", f.By)
	}
	if f.Since != "" {
		t, err := ParseSince(f.Since, now, loc)
		if err != nil {
			return q, err
		}
		q.Since = t
	}
	return q, nil
}

// EmptyText is what 'tier usage' says when nothing was logged (since f's
// Since).
func (f Flags) EmptyText() string {
	since := ""
	if f.Since != "" {
		since = " since " + f.Since
	}
	return "no calls logged yet" + since + ": every tier chat, probe and batch row is logged in usage.db as it is made"
}
