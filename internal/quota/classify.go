package quota

import (
	"math"
	"strings"
	"time"
)

// Parse turns one response into a Result, at arrival. It reads the windows
// named by d (nil: none) from the headers, Retry-After and retry-after-ms
// whatever the dialect, and, for any non-2xx status, the error body whatever
// its provider. It never fails: a malformed value drops only its own field,
// and a window only when nothing of it survives.
//
// Times are UTC whole seconds, rounded up (ObservedAt too, so a projection
// never refills early). A "day" window left without a reset gets the next
// midnight of d.DayResetTZ, when set. Result.Exhausted is set whenever a
// window is known to be at 0, even on a 2xx (the request that used the last
// unit succeeded); RetryAfter falls back to its reset only for rate_limited
// and quota_exhausted. A 429 whose error body names the day or month limit
// the request hit, and no time to retry, is quota_exhausted even with room
// left in it (LimitHit).
func Parse(d *Dialect, r Response) Result {
	at := r.At
	snap := Snapshot{ObservedAt: ceilSecond(at), Windows: []Window{}}

	windows, retry, hasRetry := headerWindows(d, r.Header, at)
	if r.Status >= 200 && r.Status <= 299 {
		retry, hasRetry = 0, false // Anthropic sends retry-after on 200s too: nothing to retry
	}
	if len(windows) > 0 {
		snap.Windows = windows
	}

	var b bodyInfo
	if r.Status < 200 || r.Status > 299 {
		b = parseBody(r.Status, r.Body, at)
		snap.Windows = mergeWindows(snap.Windows, b.windows)
		if b.creditOut && !b.creditShort {
			snap.Credit = &Credit{Remaining: ptr(0.0), Source: SourceError}
		}
	}

	if d != nil && d.DayResetTZ != "" {
		for i := range snap.Windows {
			w := &snap.Windows[i]
			if w.Period == PeriodDay && w.ResetAt == nil {
				if t, ok := nextMidnight(d.DayResetTZ, at); ok {
					w.ResetAt = &t
				}
			}
		}
	}

	res := Result{Snapshot: snap, Message: b.message, Reason: b.reason}
	res.Exhausted = exhaustedWindow(snap.Windows, snap.ObservedAt)
	res.Class = classify(r.Status, res.Exhausted, b, at)
	if res.Class == ClassRateLimited && r.Status == 429 && !hasRetry && !b.hasRetry && limitHit(b.windows) != nil {
		res.Class = ClassQuotaExhausted
	}

	switch {
	case hasRetry:
		res.RetryAfter = retry
	case b.hasRetry:
		res.RetryAfter = b.retry
	}
	if hasRetry || b.hasRetry {
		s := math.Round(res.RetryAfter.Seconds()*1000) / 1000
		res.Snapshot.RetryAfterS = &s
	} else if ex := res.Exhausted; ex != nil && ex.ResetAt != nil &&
		(res.Class == ClassRateLimited || res.Class == ClassQuotaExhausted) {
		res.RetryAfter = max(ex.ResetAt.Sub(at), 0)
	}
	return res
}

// mergeWindows adds the windows read from an error body to those read from
// headers. A body window with the same metric and period as a header window
// only fills that window's gaps (header values win). So does one whose
// header twin has an unknown period but the same metric and the same limit;
// the twin then takes the body's period.
func mergeWindows(header, body []Window) []Window {
	for _, bw := range body {
		merged := false
		for i := range header {
			hw := &header[i]
			if hw.Key() == bw.Key() {
				fillGaps(hw, bw)
				merged = true
				break
			}
		}
		if !merged {
			for i := range header {
				hw := &header[i]
				if hw.Metric == bw.Metric && hw.Period == PeriodUnknown && bw.Period != PeriodUnknown &&
					hw.Limit != nil && bw.Limit != nil && *hw.Limit == *bw.Limit {
					fillGaps(hw, bw)
					hw.Period = bw.Period
					merged = true
					break
				}
			}
		}
		if !merged {
			header = append(header, bw)
		}
	}
	return header
}

// exhaustedWindow returns a copy of the window at 0 that ends last (by its
// reset, else by observedAt plus its period), or nil when none is at 0.
func exhaustedWindow(ws []Window, observedAt time.Time) *Window {
	var best *Window
	var bestEnd time.Time
	for i := range ws {
		w := &ws[i]
		if w.Remaining == nil || *w.Remaining != 0 {
			continue
		}
		end := observedAt.Add(periodLength(w.Period))
		if w.ResetAt != nil {
			end = *w.ResetAt
		}
		if best == nil || end.After(bestEnd) {
			best, bestEnd = w, end
		}
	}
	if best == nil {
		return nil
	}
	c := best.Clone()
	return &c
}

// RanOut names the window at 0 behind a rate limit ("input tokens per
// minute") when the provider's own message does not name it (Anthropic's
// "Rate limited" while its input-token bucket is empty and "tokens" looks
// healthy); "" when nothing is known to be at 0, the message already says
// it, or the result is no rate limit.
func (r Result) RanOut() string {
	if r.Class != ClassRateLimited || r.Exhausted == nil {
		return ""
	}
	l := r.Exhausted.Label()
	if strings.Contains(strings.ToLower(r.Message), l) {
		return ""
	}
	return l
}

// LimitHit returns, for a quota_exhausted result with no window at 0, a copy
// of the day or month window its error body names as the limit the request
// hit (see limitHit); nil otherwise.
func (r Result) LimitHit() *Window {
	if r.Class != ClassQuotaExhausted || r.Exhausted != nil {
		return nil
	}
	var body []Window
	for _, w := range r.Snapshot.Windows {
		if w.Source == SourceError {
			body = append(body, w)
		}
	}
	return limitHit(body)
}

// limitHit returns a copy of the day or month window a 429's error body
// names as the limit the request hit, though the body shows room left in it
// (SambaNova's "Violated duration_s: 86400, current usage: 87654, limit:
// 200000"; Groq's "tokens per day: Limit 100000, Used 99000, Requested
// 3619" and no "try again in"): waiting seconds cannot help. nil when the body names no such
// window, or also a shorter one (which may be the one that was hit).
func limitHit(body []Window) *Window {
	var hit *Window
	for i := range body {
		switch body[i].Period {
		case PeriodDay, PeriodMonth:
			if hit == nil {
				hit = &body[i]
			}
		default:
			return nil
		}
	}
	if hit == nil {
		return nil
	}
	c := hit.Clone()
	return &c
}

// classify decides the Class of a response.
func classify(status int, ex *Window, b bodyInfo, at time.Time) Class {
	switch {
	case status == 0:
		return ClassNetwork
	case status >= 200 && status <= 299:
		return ClassOK
	case status == 401:
		return ClassAuth
	case status == 402 && b.transient && !b.creditOut && !b.quotaOut:
		return ClassRateLimited
	case status == 402 || b.creditOut || b.quotaOut:
		return ClassQuotaExhausted
	case status == 403:
		return ClassAuth
	case status == 429:
		if ex != nil && (periodLength(ex.Period) >= 24*time.Hour ||
			ex.ResetAt != nil && ex.ResetAt.Sub(at) > time.Hour) {
			return ClassQuotaExhausted
		}
		return ClassRateLimited
	case status == 408:
		return ClassServer // the server gave up waiting: transient
	case status >= 400 && status <= 499:
		return ClassInvalid
	}
	return ClassServer // 5xx, 529, and anything unexpected
}

// periodLength is how long a period lasts at most; 0 when unknown.
func periodLength(p string) time.Duration {
	d, _ := PeriodLength(p)
	return d
}

// Project returns a copy of s as it must stand at now: every window whose
// reset has passed, or whose whole period has passed since s was observed
// (minute, hour, day; month counts as 31 days), is shown refilled:
// remaining = limit (absent when the limit is unknown), no reset, Source
// "projected". Other figures are copied unchanged. s is not modified.
func (s Snapshot) Project(now time.Time) Snapshot {
	out := s
	out.Windows = make([]Window, len(s.Windows))
	for i, w := range s.Windows {
		w = w.Clone()
		refilled := false
		if w.Source == SourceLearned {
			// a limit, not a window in progress: nothing to refill
		} else if w.ResetAt != nil {
			refilled = !w.ResetAt.After(now)
		} else if n := periodLength(w.Period); n > 0 {
			refilled = !s.ObservedAt.Add(n).After(now)
		}
		if refilled {
			w.Remaining = nil
			if w.Limit != nil {
				w.Remaining = ptr(*w.Limit)
			}
			w.ResetAt = nil
			w.Source = SourceProjected
		}
		out.Windows[i] = w
	}
	if s.RetryAfterS != nil {
		out.RetryAfterS = ptr(*s.RetryAfterS)
	}
	out.Credit = s.Credit.Clone()
	if s.Budget != nil {
		out.Budget = s.Budget.project(now)
	}
	return out
}

// Key names the window: "requests/minute".
func (w Window) Key() string { return w.Metric + "/" + w.Period }

// Clone copies w so that no pointer is shared with the original.
func (w Window) Clone() Window {
	w.Limit = clonePtr(w.Limit)
	w.Remaining = clonePtr(w.Remaining)
	w.ResetAt = clonePtr(w.ResetAt)
	w.ObservedAt = clonePtr(w.ObservedAt)
	w.LearnedAt = clonePtr(w.LearnedAt)
	w.RunsOutAt = clonePtr(w.RunsOutAt)
	w.BurnPerHour = clonePtr(w.BurnPerHour)
	return w
}

// Clone copies c so that no pointer is shared with the original; nil
// stays nil.
func (c *Credit) Clone() *Credit {
	if c == nil {
		return nil
	}
	o := *c
	o.Remaining, o.Granted, o.ExpiresAt = clonePtr(c.Remaining), clonePtr(c.Granted), clonePtr(c.ExpiresAt)
	o.GrantedRemaining, o.ToppedUpRemaining = clonePtr(c.GrantedRemaining), clonePtr(c.ToppedUpRemaining)
	o.LastsUntil, o.BurnPerDay = clonePtr(c.LastsUntil), clonePtr(c.BurnPerDay)
	return &o
}

// Clone copies b so that no pointer is shared with the original; nil
// stays nil.
func (b *Budget) Clone() *Budget {
	if b == nil {
		return nil
	}
	o := *b
	o.Limit, o.Remaining, o.Used, o.ResetAt = clonePtr(b.Limit), clonePtr(b.Remaining), clonePtr(b.Used), clonePtr(b.ResetAt)
	return &o
}

// Clone copies s so that no pointer or slice is shared with the original.
func (s Snapshot) Clone() Snapshot {
	if s.Windows != nil {
		ws := make([]Window, len(s.Windows))
		for i, w := range s.Windows {
			ws[i] = w.Clone()
		}
		s.Windows = ws
	}
	s.RetryAfterS = clonePtr(s.RetryAfterS)
	s.Credit = s.Credit.Clone()
	s.Budget = s.Budget.Clone()
	s.Shared = clonePtr(s.Shared)
	return s
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
