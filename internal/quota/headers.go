package quota

import (
	"math"
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
	return windows, retry, hasRetry
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
