package batch

import (
	"math"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// Limit is a published limit of a target (the catalog's, or one learned):
// Limit units of Metric (quota.Requests, quota.Tokens) per Period (a
// quota period name such as "minute").
type Limit struct {
	Metric string
	Period string
	Limit  int64
}

// catalogSpacing stretches the interval between sends paced by published
// limits only: the provider says nothing, so tier stays a little under.
const catalogSpacing = 1.03

// readSpread is the share of the time to a reset over which a reading's
// remaining units are spread.
const readSpread = 0.9

// margin is added to a wait for a reset, so that the provider's clock has
// turned over too.
const margin = 25 * time.Millisecond

// window is what the pacer knows of one window of a quota.
type window struct {
	metric, period string
	length         time.Duration // the period's length (a shortened minute in tests)
	// spread says the window's units are spread over the time to its
	// reset: an hour's or shorter. Longer ones are only kept within.
	spread  bool
	limit   int64
	reserve int64

	// From a reading (headers or an error body): the freshest one.
	// resetAt is when the window turns over at the latest: the reading's
	// reset (rounded up to the second), or sooner as the window's first
	// reply bounds it (bound); readReset is the reading's own, boundOf
	// the one read by the reply that set resetAt.
	read      bool
	remaining int64
	resetAt   time.Time
	readReset time.Time
	boundOf   time.Time
	readAt    time.Time

	// Paced by the published limit: when each unit was sent, within one
	// length (a sliding log).
	log []sent

	// Set by next: the wait is for calls in flight to return (a day's
	// reading that they may already count), or for the reserve, with
	// reserveLeft units left of the window (-1: not the reserve).
	waitInflight bool
	reserveLeft  int64
}

type sent struct {
	at time.Time
	n  int64
}

// pacer paces one quota: every window, what is in flight, pauses after
// 429s, exhaustion, and the concurrency that the rate and the latency
// allow. It is used from one goroutine only (the runner's).
type pacer struct {
	name    string
	windows map[string]*window
	minute  time.Duration

	inflight           int
	inflightTokens     int64
	lastSend           time.Time
	pausedUntil        time.Time
	exhaustedUntil     time.Time // a day window or credit ran out; zero: not
	exhaustedWhy       string
	latency            time.Duration // moving average
	aimd               float64       // concurrency allowed after 429s (halved on each)
	maxConc            int
	tokenRatio         float64 // actual tokens ÷ the pre-estimate, moving average
	binding            string  // the window that set the last wait
	bindingWin         *window // that window (nil: none)
	exhaustedAtReserve bool    // exhaustedWhy is the reserve, not the window used up
}

func newPacer(name string, limits []Limit, reserve map[string]int64, minute time.Duration, maxConc int) *pacer {
	p := &pacer{name: name, windows: map[string]*window{}, minute: minute, aimd: float64(maxConc), maxConc: maxConc, tokenRatio: 1}
	for _, l := range limits {
		w := p.window(l.Metric, l.Period)
		w.limit = l.Limit
	}
	for k, v := range reserve {
		metric, period := reserveWindow(k)
		if metric == "" {
			continue
		}
		p.window(metric, period).reserve = v
	}
	return p
}

// reserveWindow maps a short name (rpm, rpd, tpm, tpd, rph, tph) to its
// window.
func reserveWindow(k string) (metric, period string) {
	if len(k) != 3 || k[1] != 'p' {
		return "", ""
	}
	switch k[0] {
	case 'r':
		metric = quota.Requests
	case 't':
		metric = quota.Tokens
	default:
		return "", ""
	}
	switch k[2] {
	case 'm':
		period = quota.PeriodMinute
	case 'h':
		period = quota.PeriodHour
	case 'd':
		period = quota.PeriodDay
	default:
		return "", ""
	}
	return metric, period
}

// reserveName is the short name (rpd) of a window, as --reserve gives it.
func reserveName(metric, period string) string {
	if metric == quota.Requests {
		return "rp" + period[:1]
	}
	return "tp" + period[:1]
}

// ValidReserve says whether k names a window --reserve can keep headroom
// in.
func ValidReserve(k string) bool { m, _ := reserveWindow(k); return m != "" }

func (p *pacer) window(metric, period string) *window {
	k := metric + "/" + period
	w := p.windows[k]
	if w == nil {
		w = &window{metric: metric, period: period, length: periodLength(period, p.minute)}
		w.spread = w.length <= periodLength(quota.PeriodHour, p.minute)
		p.windows[k] = w
	}
	return w
}

// periodLength is how long a period lasts, scaled so that a minute lasts
// minute (shortened in tests and benchmarks); an unknown one, a minute.
func periodLength(period string, minute time.Duration) time.Duration {
	d, ok := quota.PeriodLength(period)
	if !ok {
		return minute
	}
	return time.Duration(float64(d) * float64(minute) / float64(time.Minute))
}

// estimate is the pre-estimate of a row's tokens: its prompt's and the
// reply it allows, corrected by what the quota's usage said so far.
func (p *pacer) estimate(b Body) int64 {
	reply := b.maxTokens()
	if reply == 0 {
		reply = 256
	}
	est := float64((b.promptBytes()+3)/4 + reply)
	return int64(math.Ceil(est * p.tokenRatio))
}

// readyAt is when the quota can take a row of tokens tokens, as of now;
// stop says it cannot before its exhaustion ends (exhaustedUntil).
func (p *pacer) readyAt(now time.Time, tokens int64) time.Time {
	at := now
	p.binding = ""
	p.bindingWin = nil
	later := func(t time.Time, why string, w *window) {
		if t.After(at) {
			at, p.binding, p.bindingWin = t, why, w
		}
	}
	later(p.pausedUntil, "paused after a 429", nil)
	if p.inflight >= p.concurrency(now) {
		later(now.Add(time.Hour), "concurrency", nil) // until a call returns
	}
	for _, w := range p.windows {
		units := int64(1)
		inflight := int64(p.inflight)
		if w.metric != quota.Requests {
			units, inflight = tokens, p.inflightTokens
		}
		if t, ok := w.next(now, units, inflight, p.lastSend); ok {
			if w.waitInflight {
				later(t, "concurrency", nil) // until a call returns
			} else {
				later(t, w.metric+" per "+w.period, w)
			}
		}
	}
	return at
}

// next is when window w allows units more, as of now, with inflight
// units in flight since its reading; ok is false when it does not limit.
func (w *window) next(now time.Time, units, inflight int64, last time.Time) (time.Time, bool) {
	w.waitInflight, w.reserveLeft = false, -1
	if w.read {
		remaining, reset := w.remaining, w.resetAt
		if !now.Before(reset) {
			if w.limit <= 0 {
				return now, false // refilled to a limit nobody said
			}
			remaining, reset = w.limit, reset.Add(w.length*(1+time.Duration(now.Sub(reset)/w.length)))
		}
		avail := remaining - inflight - w.reserve
		if avail < units {
			if !w.spread && inflight > 0 {
				// The calls in flight may be in the reading already:
				// their own readings say what is left, and whether the
				// run stops.
				w.waitInflight = true
				return now.Add(time.Hour), true
			}
			if w.reserve > 0 && remaining-inflight >= units {
				w.reserveLeft = remaining - inflight
			}
			return reset.Add(margin), true
		}
		if !w.spread {
			// A day's or a month's quota is taken as fast as the shorter
			// windows allow, down to the reserve; then the run stops.
			return now, true
		}
		// Spread what is left over most of the time to the reset (the
		// wake-ups' own delay would otherwise leave some unused): the
		// reading, less what is in flight, says it is there.
		interval := time.Duration(readSpread * float64(reset.Sub(now)) * float64(units) / float64(avail))
		if w.limit > 0 {
			// Never slower than the window's own rate: what the reading
			// says is left is there to take, and a wait for the reset
			// follows when it is gone.
			interval = min(interval, time.Duration(float64(w.length)*float64(units)/float64(w.limit)))
		}
		return last.Add(interval), true
	}
	if w.limit <= 0 {
		return now, false
	}
	// Paced by the published limit: a sliding log over the window's length.
	cut := now.Add(-w.length)
	i := 0
	for i < len(w.log) && !w.log[i].at.After(cut) {
		i++
	}
	w.log = w.log[i:]
	var used int64
	for _, s := range w.log {
		used += s.n
	}
	limit := w.limit - w.reserve
	if w.reserve > 0 && used+units > limit && w.limit-used >= units {
		w.reserveLeft = w.limit - used
	}
	if limit < units {
		return now.Add(w.length), true
	}
	if !w.spread && used+units <= limit {
		return now, true
	}
	if used+units > limit {
		// Wait until enough of the log has left the window.
		free := used + units - limit
		for _, s := range w.log {
			free -= s.n
			if free <= 0 {
				return s.at.Add(w.length + margin), true
			}
		}
	}
	interval := time.Duration(float64(w.length) * catalogSpacing * float64(units) / float64(w.limit))
	return last.Add(interval), true
}

// concurrency is how many calls may be in flight: the rate the windows
// allow times the observed latency, bounded by what 429s left (aimd).
func (p *pacer) concurrency(now time.Time) int {
	rate := math.Inf(1) // requests per second
	for _, w := range p.windows {
		if w.metric != quota.Requests {
			continue
		}
		var r float64
		switch {
		case w.read && now.Before(w.resetAt):
			r = float64(max(w.remaining-w.reserve, 1)) / max(w.resetAt.Sub(now).Seconds(), 0.001)
		case w.limit > 0:
			r = float64(w.limit) / w.length.Seconds()
		default:
			continue
		}
		rate = min(rate, r)
	}
	if p.latency == 0 {
		return 1 // nothing seen yet: the first call reads the quota
	}
	c := p.maxConc
	if !math.IsInf(rate, 1) {
		c = int(math.Ceil(1.5*rate*p.latency.Seconds())) + 2
	}
	return max(1, min(c, int(p.aimd), p.maxConc))
}

// sent notes a row of tokens tokens sent at now.
func (p *pacer) sent(now time.Time, tokens int64) {
	p.inflight++
	p.inflightTokens += tokens
	p.lastSend = now
	for _, w := range p.windows {
		n := int64(1)
		if w.metric != quota.Requests {
			n = tokens
		}
		if !w.read {
			w.log = append(w.log, sent{now, n})
		}
	}
}

// returned notes a call back after latency, and the quota it saw: its
// windows read from headers or an error body.
func (p *pacer) returned(tokens int64, latency time.Duration, snap *quota.Snapshot, sentAt time.Time) {
	p.inflight--
	p.inflightTokens -= tokens
	if latency > 0 {
		if p.latency == 0 {
			p.latency = latency
		} else {
			p.latency = (p.latency*7 + latency) / 8
		}
	}
	if snap == nil {
		return
	}
	for _, sw := range snap.Windows {
		if sw.ObservedAt != nil || (sw.Source != quota.SourceHeader && sw.Source != quota.SourceError) ||
			sw.Remaining == nil || sw.ResetAt == nil || sw.Period == quota.PeriodUnknown && sw.Metric != quota.Requests {
			continue
		}
		w := p.window(sw.Metric, sw.Period)
		if w.read && snap.ObservedAt.Before(w.readAt) {
			continue // an older reading than the one held
		}
		if w.read && snap.ObservedAt.Equal(w.readAt) && *sw.Remaining > w.remaining && sameReset(*sw.ResetAt, w.readReset) {
			// Two readings of one moment (times are whole seconds) that
			// came back out of order: the one that counted more calls is
			// the later, as the store's merge has it.
			continue
		}
		w.bound(*sw.ResetAt, sentAt.Add(latency), knownPeriod(sw.Period))
		w.read, w.remaining, w.readReset, w.readAt, w.log = true, *sw.Remaining, *sw.ResetAt, snap.ObservedAt, nil
		if sw.Limit != nil {
			w.limit = *sw.Limit
		}
	}
}

// bound sets when the window of a reading whose reset is readReset, in a
// reply back at back, turns over at the latest (resetAt). Resets are read
// to the second, rounded up (quota.Parse): up to a second late, a third of
// a 3-second test minute, and a used-up window would wait that second out.
// A fixed window that counted the call (or refused it) was open when the
// provider saw it, no later than back, so it ends within one length after
// back: a window's first reply pins its end to within that call's
// latency, and the later replies of that window keep the bound. Only for
// windows of an hour or less whose period names its length (a month
// varies, an unknown period's length is a guess).
func (w *window) bound(readReset, back time.Time, known bool) {
	if !w.spread || !known || back.IsZero() {
		w.resetAt, w.boundOf = readReset, readReset
		return
	}
	end := minTime(readReset, back.Add(w.length))
	if w.read && w.sameWindow(readReset) {
		w.resetAt = minTime(end, w.resetAt)
		return
	}
	w.resetAt, w.boundOf = end, readReset
}

// sameWindow says a reading whose reset is readReset is of the window
// whose first reply set the bound: the rounded resets of one fixed window
// differ by a second at most, those of the next by its length give or
// take one. It compares with that first reply's reset, not the last
// one's, so that resets that creep forward (a token bucket's) do not
// carry a bound along. A window of 2 seconds or less (tests' minutes)
// cannot tell them apart: then none is.
func (w *window) sameWindow(readReset time.Time) bool {
	d := readReset.Sub(w.boundOf)
	return w.length > 2*time.Second && d <= time.Second && d >= -time.Second
}

// knownPeriod says a period names its length ("minute", "10-second").
func knownPeriod(period string) bool {
	_, ok := quota.PeriodLength(period)
	return ok
}

// seed starts the pacer from a reading made before the run (the store's
// snapshot s, as of now): the windows read from headers or an error body
// that have not reset yet, each as of its own observation, a 429's hint
// still running, and the limits an error named before (learned: Gemini's
// QuotaFailure), which pace like published ones and win over the
// catalog's. Windows the run's own replies read later replace them, as
// fresher readings do.
func (p *pacer) seed(s quota.Snapshot, now time.Time) {
	for _, sw := range s.Windows {
		if sw.Source == quota.SourceLearned && sw.Limit != nil && *sw.Limit > 0 && sw.Period != quota.PeriodUnknown {
			p.window(sw.Metric, sw.Period).limit = *sw.Limit
			continue
		}
		if (sw.Source != quota.SourceHeader && sw.Source != quota.SourceError) || sw.Remaining == nil || sw.ResetAt == nil ||
			!sw.ResetAt.After(now) || sw.Period == quota.PeriodUnknown && sw.Metric != quota.Requests {
			continue
		}
		at := s.ObservedAt
		if sw.ObservedAt != nil {
			at = *sw.ObservedAt
		}
		w := p.window(sw.Metric, sw.Period)
		if w.read && at.Before(w.readAt) {
			continue
		}
		w.read, w.remaining, w.resetAt, w.readReset, w.boundOf, w.readAt, w.log = true, *sw.Remaining, *sw.ResetAt, *sw.ResetAt, *sw.ResetAt, at, nil
		if sw.Limit != nil {
			w.limit = *sw.Limit
		}
	}
	if s.RetryAfterS != nil && !s.ObservedAt.IsZero() {
		if until := s.ObservedAt.Add(time.Duration(*s.RetryAfterS * float64(time.Second))); until.After(now) {
			p.pausedUntil = maxTime(p.pausedUntil, until.Add(margin))
		}
	}
}

// used corrects the token pre-estimate by the usage a reply reported.
func (p *pacer) used(estimate, actual int64) {
	if estimate <= 0 || actual <= 0 {
		return
	}
	r := float64(actual) / float64(estimate) * p.tokenRatio
	p.tokenRatio = (p.tokenRatio*3 + r) / 4
}

// rateLimited pauses the whole quota until the provider's hint (or a
// backoff) and halves the concurrency.
func (p *pacer) rateLimited(now time.Time, hint time.Duration, strikes int) {
	if hint <= 0 {
		hint = time.Second << min(strikes, 5)
	}
	p.pausedUntil = maxTime(p.pausedUntil, now.Add(hint+margin))
	p.aimd = max(1, p.aimd/2)
}

// succeeded lets the concurrency grow back after 429s.
func (p *pacer) succeeded() {
	p.aimd = min(float64(p.maxConc), p.aimd+0.5)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// sameReset says two readings name the same reset, give or take the
// rounding of relative resets to the second.
func sameReset(a, b time.Time) bool {
	d := a.Sub(b)
	return d < 2*time.Second && d > -2*time.Second
}
