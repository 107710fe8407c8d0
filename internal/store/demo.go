package store

import "time"

// demoCounters is the demo provider's state file: its requests this minute
// and this day.
type demoCounters struct {
	Minute      int64  `json:"minute"` // unix minute of MinuteCount
	MinuteCount int64  `json:"minute_count"`
	Day         string `json:"day"` // UTC date of DayCount
	DayCount    int64  `json:"day_count"`
}

// CountDemoRequest counts one request to the demo provider at now against
// its limits of rpm a minute and rpd a UTC day, under the state file's lock:
// it returns the counts after the request and whether it was allowed (a
// refused request is not counted). It is the api.DemoCounter the demo's
// transport is given.
func (s *Store) CountDemoRequest(now time.Time, rpm, rpd int64) (minute, day int64, allowed bool, err error) {
	unixMinute := now.Unix() / 60
	date := now.UTC().Format("2006-01-02")
	var c demoCounters
	err = Update(s, "demo", func(d *demoCounters) error {
		if d.Minute != unixMinute {
			d.Minute, d.MinuteCount = unixMinute, 0
		}
		if d.Day != date {
			d.Day, d.DayCount = date, 0
		}
		if d.MinuteCount < rpm && d.DayCount < rpd {
			d.MinuteCount++
			d.DayCount++
			allowed = true
		}
		c = *d
		return nil
	})
	return c.MinuteCount, c.DayCount, allowed, err
}
