package quota

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// More periods. A Window's Period is one of the units below ("second",
// "minute", "hour", "day", "week", "month"), "<n>-<unit>" for a window of
// n units with n ≥ 2 (Mistral's "10-second"), or "unknown".
const (
	PeriodSecond = "second"
	PeriodWeek   = "week"
)

// periodUnits are the units a period may be counted in, with their length
// (a month at most 31 days).
var periodUnits = []struct {
	name   string
	length time.Duration
}{
	{PeriodSecond, time.Second},
	{PeriodMinute, time.Minute},
	{PeriodHour, time.Hour},
	{PeriodDay, 24 * time.Hour},
	{PeriodWeek, 7 * 24 * time.Hour},
	{PeriodMonth, 31 * 24 * time.Hour},
}

// ParsePeriod reads a period as a provider names it in a header ("minute",
// "10-second", "10-seconds", "1-month", any case) and returns its canonical
// form ("minute", "10-second", "month"), or false.
func ParsePeriod(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	n := int64(1)
	if i := strings.IndexByte(s, '-'); i >= 0 {
		v, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || v < 1 || v > 1000000 {
			return "", false
		}
		n, s = v, s[i+1:]
	}
	s = strings.TrimSuffix(s, "s")
	for _, u := range periodUnits {
		if s != u.name {
			continue
		}
		if n == 1 {
			return u.name, true
		}
		if time.Duration(n)*u.length > maxAway {
			return "", false
		}
		return strconv.FormatInt(n, 10) + "-" + u.name, true
	}
	return "", false
}

// PeriodLength is how long a period lasts at most (a month: 31 days);
// false for "unknown" and anything that is not a period.
func PeriodLength(p string) (time.Duration, bool) {
	n := int64(1)
	unit := p
	if i := strings.IndexByte(p, '-'); i >= 0 {
		v, err := strconv.ParseInt(p[:i], 10, 64)
		if err != nil || v < 1 {
			return 0, false
		}
		n, unit = v, p[i+1:]
	}
	for _, u := range periodUnits {
		if unit == u.name {
			if time.Duration(n)*u.length > maxAway {
				return 0, false
			}
			return time.Duration(n) * u.length, true
		}
	}
	return 0, false
}

// ValidPeriod reports whether p is a period a Window may carry: canonical
// (see ParsePeriod) or "unknown".
func ValidPeriod(p string) bool {
	if p == PeriodUnknown {
		return true
	}
	c, ok := ParsePeriod(p)
	return ok && c == p
}

// SortWindows sorts ws in place into the one order tier parses, shows and
// writes windows in (compareWindows): requests, tokens, then other
// metrics by name; within a metric, shortest period first (second →
// minute → … → month), unknown last.
func SortWindows(ws []Window) { slices.SortStableFunc(ws, compareWindows) }
