package quota

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Retry hints every provider may send, whatever its dialect.
const (
	headerRetryAfter   = "retry-after"    // seconds or an HTTP date
	headerRetryAfterMS = "retry-after-ms" // milliseconds (OpenAI, Azure)
)

// windowValues holds the numbers of one window so that the Window's pointer
// fields can point into a single allocation per response.
type windowValues struct {
	limit, remaining int64
	reset            time.Time
}

// headerWindows reads the windows named by d and the retry hints from h.
// Names are matched case-insensitively in one pass over h, without building
// a lower-cased copy of the map.
func headerWindows(d *Dialect, h map[string][]string, at time.Time) ([]Window, time.Duration, bool) {
	var hws []HeaderWindow
	if d != nil {
		hws = d.Windows
	}
	n := 3*len(hws) + 2
	var nameBuf, valBuf, keyBuf [32]string
	names, vals, keys := nameBuf[:0], valBuf[:n], keyBuf[:n]
	if n > len(nameBuf) {
		names, vals, keys = make([]string, 0, n), make([]string, n), make([]string, n)
	}
	for _, hw := range hws {
		names = append(names, hw.Limit, hw.Remaining, hw.Reset)
	}
	names = append(names, headerRetryAfter, headerRetryAfterMS)
	lookupHeaders(h, names, vals, keys)

	retry, hasRetry := retryHint(vals[n-2], vals[n-1], at)

	var windows []Window
	var store []windowValues
	for i, hw := range hws {
		lv, rv, sv := vals[3*i], vals[3*i+1], vals[3*i+2]
		if lv == "" && rv == "" && sv == "" {
			continue
		}
		if store == nil {
			store = make([]windowValues, len(hws))
			windows = make([]Window, 0, len(hws))
		}
		st := &store[i]
		w := Window{Metric: hw.Metric, Period: hw.Period, Source: SourceHeader}
		if v, ok := parseCount(lv); ok {
			st.limit = v
			w.Limit = &st.limit
		}
		if v, ok := parseCount(rv); ok {
			st.remaining = v
			w.Remaining = &st.remaining
		}
		if sv != "" {
			f := hw.Format
			if f == "" {
				f = d.ResetFormat
			}
			if t, ok := ParseReset(sv, f, at); ok {
				st.reset = t
				w.ResetAt = &st.reset
			}
		}
		if w.Limit != nil || w.Remaining != nil || w.ResetAt != nil {
			windows = append(windows, w)
		}
	}
	if d != nil && len(d.Patterns) > 0 {
		windows = append(windows, patternWindows(d, h, at, windows)...)
	}
	return windows, retry, hasRetry
}

// patternWindows reads the windows that d.Patterns find in h, leaving out
// those already in have. They come sorted by metric (requests, tokens, then
// by name) and then by period length, so that the order does not depend on
// the map's.
func patternWindows(d *Dialect, h map[string][]string, at time.Time, have []Window) []Window {
	type slot struct {
		pattern        int
		metric, period string
		keys, vals     [3]string // limit, remaining, reset: header key and value
	}
	var slots []slot
	for pi := range d.Patterns {
		p := &d.Patterns[pi]
		prefixes := [3]string{p.Limit, p.Remaining, p.Reset}
		for k, vs := range h {
			for f, pre := range prefixes {
				if pre == "" || len(k) <= len(pre) || !strings.EqualFold(k[:len(pre)], pre) {
					continue
				}
				metric, period, ok := splitMetricPeriod(k[len(pre):], p.Metrics)
				if !ok {
					continue
				}
				v := firstValue(vs)
				if v == "" {
					continue
				}
				i := 0
				for i < len(slots) && (slots[i].metric != metric || slots[i].period != period) {
					i++
				}
				if i == len(slots) {
					slots = append(slots, slot{pattern: pi, metric: metric, period: period})
				}
				sl := &slots[i]
				if sl.pattern != pi || sl.keys[f] != "" && k > sl.keys[f] {
					continue // an earlier pattern, or a smaller spelling, wins
				}
				sl.keys[f], sl.vals[f] = k, v
			}
		}
	}
	var out []Window
	for _, sl := range slots {
		w := Window{Metric: sl.metric, Period: sl.period, Source: SourceHeader}
		if slices.ContainsFunc(have, func(o Window) bool { return o.Key() == w.Key() }) {
			continue
		}
		if v, ok := parseCount(sl.vals[0]); ok {
			w.Limit = &v
		}
		if v, ok := parseCount(sl.vals[1]); ok {
			w.Remaining = &v
		}
		if sl.vals[2] != "" {
			f := d.Patterns[sl.pattern].Format
			if f == "" {
				f = d.ResetFormat
			}
			if t, ok := ParseReset(sl.vals[2], f, at); ok {
				w.ResetAt = &t
			}
		}
		if w.Limit != nil || w.Remaining != nil || w.ResetAt != nil {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, compareWindows)
	return out
}

// splitMetricPeriod splits "req-10-second" into the metric metrics maps
// "req" to and the period "10-second". The longest metric name that fits
// wins.
func splitMetricPeriod(rest string, metrics map[string]string) (string, string, bool) {
	best, metric := "", ""
	for name, m := range metrics {
		if len(name) > len(best) && len(rest) > len(name)+1 && rest[len(name)] == '-' &&
			strings.EqualFold(rest[:len(name)], name) {
			best, metric = name, m
		}
	}
	if best == "" {
		return "", "", false
	}
	period, ok := ParsePeriod(rest[len(best)+1:])
	return metric, period, ok
}

// compareWindows orders windows by metric (requests, tokens, then by name)
// and then by period length, unknown last.
func compareWindows(a, b Window) int {
	rank := func(m string) int {
		switch m {
		case Requests:
			return 0
		case Tokens:
			return 1
		}
		return 2
	}
	if c := rank(a.Metric) - rank(b.Metric); c != 0 {
		return c
	}
	if c := strings.Compare(a.Metric, b.Metric); c != 0 {
		return c
	}
	la, oka := PeriodLength(a.Period)
	lb, okb := PeriodLength(b.Period)
	switch {
	case oka != okb:
		if oka {
			return -1
		}
		return 1
	case la < lb:
		return -1
	case la > lb:
		return 1
	}
	return strings.Compare(a.Period, b.Period)
}

// lookupHeaders sets vals[i] to the first non-empty value of the header
// named names[i], compared case-insensitively. When a map holds the same
// name in several spellings, the lexically smallest key wins, so the result
// does not depend on map order. keys is scratch space of len(names).
func lookupHeaders(h map[string][]string, names, vals, keys []string) {
	// lengths has bit n set when some name is n bytes long, so that most
	// ordinary headers are skipped after one test.
	var lengths uint64
	long := false
	for _, name := range names {
		if len(name) < 64 {
			lengths |= 1 << len(name)
		} else {
			long = true
		}
	}
	for k, vs := range h {
		if len(k) < 64 && lengths&(1<<len(k)) == 0 || len(k) >= 64 && !long {
			continue
		}
		for i, name := range names {
			if len(name) != len(k) || name == "" || !strings.EqualFold(name, k) {
				continue
			}
			if keys[i] != "" && k > keys[i] {
				continue
			}
			if v := firstValue(vs); v != "" {
				keys[i], vals[i] = k, v
			}
		}
	}
}

func firstValue(vs []string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// parseCount reads a limit or remaining count: "60", "60.0", "\"60\"".
// Fractions are rounded down (never report more than there is); negative or
// non-numeric values give false.
func parseCount(s string) (int64, bool) {
	s = unquote(s)
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, n >= 0
	}
	f, ok := parseNumber(s)
	if !ok || f < 0 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// retryHint reads retry-after-ms (preferred: more precise) or Retry-After
// (seconds or an HTTP date).
func retryHint(retryAfter, retryAfterMS string, at time.Time) (time.Duration, bool) {
	if v := unquote(retryAfterMS); v != "" {
		if n, ok := parseNumber(v); ok {
			if d, ok := secondsDuration(n / 1000); ok {
				return d, true
			}
		}
	}
	v := unquote(retryAfter)
	if v == "" {
		return 0, false
	}
	if n, ok := parseNumber(v); ok {
		return secondsDuration(n)
	}
	for _, layout := range httpDateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			d := t.Sub(at)
			if d > maxAway || d < -maxAway {
				return 0, false
			}
			return max(d, 0), true
		}
	}
	return 0, false
}
