package store

import (
	"errors"
	"time"
)

// demoCounters is the demo provider's state file: its requests this minute
// and this day.
type demoCounters struct {
	Minute      int64  `json:"minute"` // unix minute of MinuteCount
	MinuteCount int64  `json:"minute_count"`
	Day         string `json:"day"` // UTC date of DayCount
	DayCount    int64  `json:"day_count"`
}

// ErrDemoUnsaved is matched (errors.Is) by the error of a demo request
// that was counted but whose counters could not be saved.
var ErrDemoUnsaved = errors.New("demo counters not saved")

// CountDemoRequest counts one request to the demo provider at now against
// its limits of rpm a minute and rpd a UTC day, under the state file's lock:
// it returns the counts after the request and whether it was allowed (a
// refused request is not counted). It is the api.DemoCounter the demo's
// transport is given (through the engine).
//
// The counters are best effort, as the usage ledger is: when they cannot be
// written (a state directory tier cannot write, a lock held too long), the
// request is counted on what can be read of them (nothing: from zero) and
// not saved; the error then matches ErrDemoUnsaved and says why, and the
// counts are still the answer. A damaged file is an error, never counted
// over (ErrCorrupt).
func (s *Store) CountDemoRequest(now time.Time, rpm, rpd int64) (minute, day int64, allowed bool, err error) {
	var c demoCounters
	err = Update(s, "demo", func(d *demoCounters) error {
		allowed = countDemo(d, now, rpm, rpd)
		c = *d
		return nil
	})
	if err == nil || errors.Is(err, ErrCorrupt) {
		return c.MinuteCount, c.DayCount, allowed, err
	}
	d, rerr := Read[demoCounters](s, "demo")
	if errors.Is(rerr, ErrCorrupt) {
		return 0, 0, false, rerr
	}
	if rerr != nil {
		d = demoCounters{}
	}
	allowed = countDemo(&d, now, rpm, rpd)
	return d.MinuteCount, d.DayCount, allowed, &stateError{msg: err.Error(), kind: ErrDemoUnsaved, cause: err}
}

// countDemo counts one request at now in d, if rpm and rpd allow it.
func countDemo(d *demoCounters, now time.Time, rpm, rpd int64) bool {
	unixMinute := now.Unix() / 60
	date := now.UTC().Format("2006-01-02")
	if d.Minute != unixMinute {
		d.Minute, d.MinuteCount = unixMinute, 0
	}
	if d.Day != date {
		d.Day, d.DayCount = date, 0
	}
	if d.MinuteCount < rpm && d.DayCount < rpd {
		d.MinuteCount++
		d.DayCount++
		return true
	}
	return false
}
