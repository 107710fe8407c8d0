package fakeprovider

import (
	"net/http"
	"strconv"
	"time"
)

// Enforce makes a Server keep the limits it reports (Server.Limits): RPM
// and TPM per "minute", RPD and TPD per "day", in fixed windows counted
// from the server's first request. A request over any of them gets a real
// 429 with Retry-After (whole seconds) and retry-after-ms until its window
// resets; it is not counted. A limit of 0 is not enforced.
type Enforce struct {
	// Minute is how long a "minute" lasts (a shortened one for tests and
	// benchmarks, e.g. 3s); 0 is a real minute.
	Minute time.Duration
	// Day is how long a "day" lasts; 0 is 1440 Minutes.
	Day time.Duration
	// NoLimitHeaders sends no rate-limit headers at all, on successes or
	// 429s (a provider that reports nothing); Retry-After is still sent.
	NoLimitHeaders bool
}

// meter counts requests and tokens in the current fixed minute and day.
type meter struct {
	start             time.Time
	minuteIdx, dayIdx int64
	minute, day       Usage
	rejected          int64
	minuteLen, dayLen time.Duration
	initialised       bool
}

func (e *Enforce) lengths() (minute, day time.Duration) {
	minute = e.Minute
	if minute <= 0 {
		minute = time.Minute
	}
	day = e.Day
	if day <= 0 {
		day = 1440 * minute
	}
	return minute, day
}

// roll moves the meter's windows to now.
func (m *meter) roll(e *Enforce, now time.Time) {
	if !m.initialised {
		m.start, m.initialised = now, true
		m.minuteLen, m.dayLen = e.lengths()
	}
	el := now.Sub(m.start)
	if i := int64(el / m.minuteLen); i != m.minuteIdx {
		m.minuteIdx, m.minute = i, Usage{}
	}
	if i := int64(el / m.dayLen); i != m.dayIdx {
		m.dayIdx, m.day = i, Usage{}
	}
}

func (m *meter) until(now time.Time) (minute, day time.Duration) {
	minute = m.start.Add(time.Duration(m.minuteIdx+1) * m.minuteLen).Sub(now)
	day = m.start.Add(time.Duration(m.dayIdx+1) * m.dayLen).Sub(now)
	return minute, day
}

// admit counts a request of tokens tokens at now, or says how long until
// the window it would exceed resets (and counts a rejection). It returns
// the view the response's headers report.
func (m *meter) admit(e *Enforce, l Limits, tokens int64, now time.Time) (view, time.Duration) {
	m.roll(e, now)
	um, ud := m.until(now)
	var wait time.Duration
	over := func(limit, used, add int64, until time.Duration) {
		if limit > 0 && used+add > limit {
			wait = max(wait, until)
		}
	}
	over(l.RPM, m.minute.Requests, 1, um)
	over(l.TPM, m.minute.Tokens, tokens, um)
	over(l.RPD, m.day.Requests, 1, ud)
	over(l.TPD, m.day.Tokens, tokens, ud)
	if wait > 0 {
		m.rejected++
		return view{minute: m.minute, day: m.day, untilMinute: um, untilDay: ud}, wait
	}
	// Like OpenAI's, the headers count this request's tokens (its prompt
	// and the reply it allows) at once.
	m.minute.Requests++
	m.day.Requests++
	m.minute.Tokens += tokens
	m.day.Tokens += tokens
	return view{minute: m.minute, day: m.day, untilMinute: um, untilDay: ud}, 0
}

// Rejected is how many requests an enforcing server has refused with a 429.
func (s *Server) Rejected() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.meter.rejected
}

// rateLimited writes an enforcing server's 429: headers as the dialect
// sends them (unless none are), Retry-After and retry-after-ms.
func (s *Server) rateLimited(w http.ResponseWriter, v view, wait time.Duration, limits Limits) {
	h := w.Header()
	if !s.Enforce.NoLimitHeaders {
		s.Dialect.setHeaders(h, limits, v, http.StatusTooManyRequests, time.Now())
	}
	secs := int64((wait + time.Second - 1) / time.Second)
	h.Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
	h.Set("retry-after-ms", strconv.FormatInt(max(wait.Milliseconds(), 1), 10))
	writeError(w, http.StatusTooManyRequests, BodyRateLimited)
}
