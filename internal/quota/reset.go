package quota

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxAway bounds every time read from a provider: a reset or hint further
// than this from the response's arrival is treated as garbage.
const maxAway = 400 * 24 * time.Hour

// httpDateLayouts are the three forms RFC 9110 allows for an HTTP date.
var httpDateLayouts = []string{
	"Mon, 02 Jan 2006 15:04:05 GMT", // IMF-fixdate (net/http.TimeFormat)
	time.RFC850,
	time.ANSIC,
}

// ParseReset turns one reset header value into the absolute time at which
// the window resets. at is when the response arrived; relative forms count
// from it. Surrounding whitespace and single or double quotes are ignored.
//
// With ResetAuto (or an empty or unknown format) the value is classified by
// shape, in this order: RFC 3339 or HTTP date (absolute); ends in a duration
// unit (Go duration); a number > 1e12 (Unix milliseconds); a number > 1e9
// (Unix seconds); any other number (seconds until reset). An explicit format
// accepts only that format.
//
// Negative, NaN, infinite and absurd values (more than 400 days away) give
// false. The result is in UTC and rounded up to the whole second, so that a
// countdown never says "ready" early.
func ParseReset(value string, f ResetFormat, at time.Time) (time.Time, bool) {
	v := unquote(value)
	if v == "" {
		return time.Time{}, false
	}
	switch f {
	case ResetDuration:
		return afterDuration(v, at)
	case ResetSeconds:
		n, ok := parseNumber(v)
		if !ok {
			return time.Time{}, false
		}
		return afterSeconds(n, at)
	case ResetEpochS:
		n, ok := parseNumber(v)
		if !ok {
			return time.Time{}, false
		}
		return fromEpochSeconds(n, at)
	case ResetEpochMS:
		n, ok := parseNumber(v)
		if !ok {
			return time.Time{}, false
		}
		return fromEpochSeconds(n/1000, at)
	case ResetRFC3339:
		return parseAbsolute(v, at)
	}
	// ResetAuto.
	if t, ok := parseAbsolute(v, at); ok {
		return t, true
	}
	if endsInDurationUnit(v) {
		return afterDuration(v, at)
	}
	n, ok := parseNumber(v)
	switch {
	case !ok:
		return time.Time{}, false
	case n > 1e12:
		return fromEpochSeconds(n/1000, at)
	case n > 1e9:
		return fromEpochSeconds(n, at)
	default:
		return afterSeconds(n, at)
	}
}

// unquote trims whitespace and any number of matching surrounding quotes.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	for len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// parseNumber parses a plain decimal number ("60", "60.0", "1.5e3"). It
// refuses hex, underscores, "Inf" and "NaN", which strconv would accept.
func parseNumber(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	digits := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-':
		default:
			return 0, false
		}
	}
	if !digits {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, false
	}
	return n, true
}

// endsInDurationUnit reports whether s looks like a Go duration: it ends in
// ns, us, µs, ms, s, m or h.
func endsInDurationUnit(s string) bool {
	switch s[len(s)-1] {
	case 's', 'm', 'h':
		return true
	}
	return false
}

// parseDuration is time.ParseDuration limited to 0 ≤ d ≤ maxAway.
func parseDuration(s string) (time.Duration, bool) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > maxAway {
		return 0, false
	}
	return d, true
}

// secondsDuration converts non-negative, sane float seconds to a Duration.
func secondsDuration(n float64) (time.Duration, bool) {
	if n < 0 || n > maxAway.Seconds() {
		return 0, false
	}
	return time.Duration(n * float64(time.Second)), true
}

func afterDuration(v string, at time.Time) (time.Time, bool) {
	d, ok := parseDuration(v)
	if !ok {
		return time.Time{}, false
	}
	return ceilSecond(at.Add(d)), true
}

func afterSeconds(n float64, at time.Time) (time.Time, bool) {
	d, ok := secondsDuration(n)
	if !ok {
		return time.Time{}, false
	}
	return ceilSecond(at.Add(d)), true
}

func fromEpochSeconds(n float64, at time.Time) (time.Time, bool) {
	// 1e11 s is the year 5138: anything larger is garbage, and the bound
	// keeps the float-to-int conversion defined.
	if n < 0 || n > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(n)
	return nearby(time.Unix(int64(sec), int64(frac*1e9)), at)
}

// parseAbsolute parses RFC 3339 or an HTTP date.
func parseAbsolute(v string, at time.Time) (time.Time, bool) {
	if len(v) >= 20 && v[4] == '-' {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return nearby(t, at)
		}
		return time.Time{}, false
	}
	if c := v[0]; (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') {
		for _, layout := range httpDateLayouts {
			if t, err := time.Parse(layout, v); err == nil {
				return nearby(t, at)
			}
		}
	}
	return time.Time{}, false
}

// nearby accepts an absolute time within maxAway of at (either side: a reset
// slightly in the past is a real, already reached reset).
func nearby(t, at time.Time) (time.Time, bool) {
	if d := t.Sub(at); d > maxAway || d < -maxAway {
		return time.Time{}, false
	}
	return ceilSecond(t), true
}

// ceilSecond returns t in UTC, rounded up to the whole second, without a
// monotonic clock reading.
func ceilSecond(t time.Time) time.Time {
	t = t.UTC()
	s := t.Truncate(time.Second)
	if s.Before(t) {
		s = s.Add(time.Second)
	}
	return s
}

// nextMidnight is the first midnight in the named zone after at, or false
// when the zone is unknown on this system.
func nextMidnight(tz string, at time.Time) (time.Time, bool) {
	loc, ok := Location(tz)
	if !ok {
		return time.Time{}, false
	}
	y, m, d := at.In(loc).Date()
	return ceilSecond(time.Date(y, m, d+1, 0, 0, 0, 0, loc)), true
}

// locations caches time.LoadLocation, which reads a file on every call.
var locations sync.Map // string -> *time.Location (nil when unknown)

// Location is time.LoadLocation(tz), loaded once per process; ok is false
// for a zone that does not exist.
func Location(tz string) (loc *time.Location, ok bool) {
	if v, ok := locations.Load(tz); ok {
		loc := v.(*time.Location)
		return loc, loc != nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = nil
	}
	locations.Store(tz, loc)
	return loc, loc != nil
}
