package batch

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/usage"
)

// Caller makes one call; *engine.Engine is one.
type Caller interface {
	Call(ctx context.Context, req engine.Request) (engine.Result, error)
}

// Target is one place rows may go: a provider, key and model.
type Target struct {
	engine.Target
	// Name is "provider/key/model", as the output and progress show it.
	Name string
	// Quota names the quota the target draws on: targets of one quota
	// (two keys of one account, where the provider counts per account)
	// share one pacer. "" is Name.
	Quota string
	// Limits are the published limits, for the windows the provider does
	// not report.
	Limits []Limit
}

// Sink receives what the runner does: a row about to be sent, and each
// row's result. *Output is one.
type Sink interface {
	Sent(Row) error
	Write(OutputRow) error
}

// Config is a run's set-up.
type Config struct {
	Caller  Caller
	Targets []Target
	Sink    Sink
	// Now is the clock; After waits (nil: the time package's).
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
	// Minute is how long a minute of the published limits lasts (tests
	// shorten it); 0 is a minute.
	Minute time.Duration
	// Reserve keeps headroom in windows: "rpd" → 20.
	Reserve map[string]int64
	// MaxConcurrency bounds the calls in flight per quota (default 32).
	MaxConcurrency int
	// MaxWait is the longest a quota may make rows wait before it counts
	// as run out (a day window, a credit); default 90s.
	MaxWait time.Duration
	// Retries is how often a row is sent again after a 5xx or a network
	// failure before any response (default 3).
	Retries int
	// StallTimeout is the engine's TIER_STALL_TIMEOUT.
	StallTimeout time.Duration
	// Already counts the input's rows that a stopped run wrote before:
	// the progress and summary count them as done.
	Already int
	// Progress, when set, is told how the run goes: after each row and
	// at least every ProgressEvery (default 1s).
	Progress      func(Progress)
	ProgressEvery time.Duration
	// MaxCost, when set, caps the whole run (tier batch --max-cost): a
	// row is sent only while what the rows answered cost plus the worst
	// case of those in flight and of this one stays within it; the first
	// row that would pass it stops the run (Summary.Capped).
	MaxCost *float64
	// Alert, when set, is told each alert a row's call crossed (a
	// budget's threshold, a window's), as tier chat says them after its
	// reply (AlertWriter).
	Alert func(budget.Alert)
	// Note, when set, is told what the run does that the user should know
	// as it happens: a pool's target left out because it cannot be called
	// (no key), its rows going to the others (NoteWriter).
	Note func(string)
	// Stored, when set, is what was last read of a target before the run
	// (the store's snapshot): each quota's pacer starts from it, so that
	// a window used up (a resume before the day's reset), a minute an
	// earlier run emptied, or a 429's hint still running is not asked
	// again before it has turned over.
	Stored func(Target) (quota.Snapshot, bool)

	// trace, when set (tests only), is told each decision of the
	// dispatcher: what it sent, what came back, what it waits for.
	trace func(traceEvent)
}

// traceEvent is one decision of the dispatcher, for Config.trace.
type traceEvent struct {
	At   time.Time
	Kind string // "send", "back", "wait"
	Lane string
	// Wait: until when and why (the pacer's binding; "" none).
	Until   time.Time
	Binding string
	// Back: the call's latency and outcome ("": no response).
	Latency time.Duration
	Class   quota.Class
	// The lane's pacer after the event, and its reading of requests
	// per minute (Read false: none).
	InFlight, Concurrency int
	Read                  bool
	Remaining             int64
	ResetAt, ReadAt       time.Time
}

func (r *runner) trace(kind string, l *lane, now time.Time, ev traceEvent) {
	if r.cfg.trace == nil {
		return
	}
	ev.At, ev.Kind, ev.Lane = now, kind, l.t.Name
	ev.InFlight, ev.Concurrency = l.p.inflight, l.p.concurrency(now)
	if w := l.p.windows[quota.Requests+"/"+quota.PeriodMinute]; w != nil && w.read {
		ev.Read, ev.Remaining, ev.ResetAt, ev.ReadAt = true, w.remaining, w.resetAt, w.readAt
	}
	r.cfg.trace(ev)
}

// Progress is how a run goes. Total and Done count the whole input: Done
// includes the Already rows written before a resume.
type Progress struct {
	Total, Done, Failed, InFlight int
	Already                       int
	// RateLimited counts the 429s met.
	RateLimited int
	Elapsed     time.Duration
	// Binding names the window that holds the next row back
	// ("groq/default/m1: requests per minute"), "" when none does.
	Binding string
	// ETA is the time left at the rate so far (0: not known yet).
	ETA time.Duration
}

// Summary is what a run did.
type Summary struct {
	Progress
	// Answered counts the rows each target answered, by Target.Name.
	Answered map[string]int
	// Exhausted says every target ran out of a day window or credit:
	// the rows left were not sent. ResumeAt is when the first of them
	// resets (zero: not known), Why what ran out.
	Exhausted bool
	ResumeAt  time.Time
	Why       string
	// AtReserve says Why is a --reserve reached ("stopped at the
	// reserve: ..."), not a window used up.
	AtReserve bool
	// Interrupted says the context ended the run; the rows in flight
	// were abandoned (a resume sends them again).
	Interrupted bool
	// Capped says Config.MaxCost stopped the run: the rows left were not
	// sent (NotSent of them); CapWhy says why. Spent is what the rows
	// answered cost, at worst where it is not known.
	Capped  bool
	CapWhy  string
	NotSent int
	Spent   float64
}

type job struct {
	row      Row
	attempts int
	strikes  int // 429s met
}

type lane struct {
	t    Target
	p    *pacer
	dead error // the call cannot be made (no key, bad base URL)
}

type outcome struct {
	j      *job
	l      *lane
	res    engine.Result
	err    error
	tokens int64
	sentAt time.Time
	worst  float64 // the call's worst case, held against MaxCost
}

// Run sends rows (those not yet in the output) and writes each one's
// result to the sink, pacing every target's quota. The error is a sink
// failure, or the call set-up's (no key) when no target can be called.
func Run(ctx context.Context, cfg Config, rows []Row) (Summary, error) {
	cfg.defaults()
	r := &runner{cfg: cfg, sum: Summary{Answered: map[string]int{}}, start: cfg.Now()}
	r.sum.Total = len(rows) + cfg.Already
	r.sum.Done, r.sum.Already = cfg.Already, cfg.Already
	pacers := map[string]*pacer{}
	for _, t := range cfg.Targets {
		q := t.Quota
		if q == "" {
			q = t.Name
		}
		p := pacers[q]
		if p == nil {
			p = newPacer(q, t.Limits, cfg.Reserve, cfg.Minute, cfg.MaxConcurrency)
			pacers[q] = p
		}
		r.lanes = append(r.lanes, &lane{t: t, p: p})
		if cfg.Stored != nil {
			if s, ok := cfg.Stored(t); ok {
				p.seed(s, r.start)
			}
		}
	}
	for _, row := range rows {
		r.queue = append(r.queue, &job{row: row})
	}
	return r.run(ctx)
}

func (c *Config) defaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.After == nil {
		c.After = time.After
	}
	if c.Minute <= 0 {
		c.Minute = time.Minute
	}
	if c.MaxConcurrency <= 0 {
		c.MaxConcurrency = 32
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 90 * time.Second
	}
	if c.Retries == 0 {
		c.Retries = 3
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = time.Second
	}
}

type runner struct {
	cfg      Config
	lanes    []*lane
	queue    []*job
	inflight int
	results  chan outcome
	sum      Summary
	start    time.Time
	stopping bool
	fatal    error
	reserved float64 // the worst case of the rows in flight
}

func (r *runner) run(ctx context.Context) (Summary, error) {
	r.results = make(chan outcome, len(r.lanes)*r.cfg.MaxConcurrency+1)
	tick := time.NewTicker(r.cfg.ProgressEvery)
	defer tick.Stop()
	done := ctx.Done()
	for {
		if ctx.Err() != nil && !r.sum.Interrupted {
			r.sum.Interrupted, done = true, nil
		}
		halt := r.stopping || r.sum.Interrupted || r.fatal != nil
		if r.inflight == 0 && (len(r.queue) == 0 || halt) {
			break
		}
		now := r.cfg.Now()
		var pick *lane
		var next time.Time
		if !halt && len(r.queue) > 0 {
			pick, next = r.choose(now, r.queue[0])
			if pick == nil && (r.stopping || r.fatal != nil) {
				continue // nothing more is sent: end once those in flight are back
			}
		}
		if pick != nil && !next.After(now) {
			worst, verdict := r.withinCap(pick, r.queue[0])
			switch verdict {
			case capSend:
				if err := r.dispatch(ctx, pick, now, worst); err != nil {
					r.fatal = err
				}
				continue
			case capStop:
				continue // the rows in flight finish, no more are sent
			}
			pick = nil // capWait: until a row in flight says what it cost
		}
		var timer <-chan time.Time
		if pick != nil {
			timer = r.cfg.After(next.Sub(now))
		}
		select {
		case o := <-r.results:
			r.handle(ctx, o)
			r.report()
		case <-timer:
		case <-tick.C:
			r.report()
		case <-done:
		}
	}
	if r.sum.Capped {
		r.sum.NotSent = len(r.queue)
	}
	r.report()
	return r.sum, r.fatal
}

// choose picks the target that can take row j soonest, marking targets
// whose wait is longer than MaxWait as run out; when every one has, the
// run stops.
func (r *runner) choose(now time.Time, j *job) (*lane, time.Time) {
	var pick *lane
	var next time.Time
	alive := 0
	for _, l := range r.lanes {
		if l.dead != nil {
			continue
		}
		alive++
		if l.p.exhaustedUntil.After(now) {
			continue
		}
		t := l.p.readyAt(now, l.p.estimate(j.row.Body))
		r.trace("wait", l, now, traceEvent{Until: t, Binding: l.p.binding})
		if t.Sub(now) > r.cfg.MaxWait && l.p.binding != "concurrency" {
			l.p.exhaustedUntil, l.p.exhaustedWhy, l.p.exhaustedAtReserve = t, l.t.Name+": "+l.p.binding+" used up", false
			if w := l.p.bindingWin; w != nil && w.reserveLeft >= 0 {
				l.p.exhaustedAtReserve = true
				l.p.exhaustedWhy = fmt.Sprintf("stopped at the reserve: %s=%d kept for interactive use (%d left of the %s) on %s",
					reserveName(w.metric, w.period), w.reserve, w.reserveLeft, w.period, l.t.Name)
			}
			continue
		}
		if pick == nil || t.Before(next) {
			pick, next = l, t
			r.sum.Binding = ""
			if t.After(now) && l.p.binding != "" && l.p.binding != "concurrency" {
				r.sum.Binding = l.t.Name + ": " + l.p.binding
			}
		}
	}
	if pick == nil {
		if alive == 0 {
			for _, l := range r.lanes {
				if r.fatal == nil {
					r.fatal = l.dead
				}
			}
			return nil, time.Time{}
		}
		r.stopping, r.sum.Exhausted = true, true
		for _, l := range r.lanes {
			if l.dead != nil {
				continue
			}
			if r.sum.ResumeAt.IsZero() || l.p.exhaustedUntil.Before(r.sum.ResumeAt) {
				r.sum.ResumeAt, r.sum.Why, r.sum.AtReserve = l.p.exhaustedUntil, l.p.exhaustedWhy, l.p.exhaustedAtReserve
			}
		}
		if r.sum.ResumeAt.Equal(forever) {
			r.sum.ResumeAt = time.Time{}
		}
	}
	return pick, next
}

// forever is the exhaustion of a quota whose reset nobody gave (credit).
var forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// What Config.MaxCost says of the next row.
const (
	capSend = iota // within it
	capWait        // within it unless the rows in flight cost their worst: wait for them
	capStop        // past it even with nothing in flight: the run stops
)

// withinCap is the worst case of sending row j to l, and whether the run
// stays within Config.MaxCost with it; capStop stops the run.
func (r *runner) withinCap(l *lane, j *job) (float64, int) {
	if r.cfg.MaxCost == nil {
		return 0, capSend
	}
	model := l.t.Model
	if model == "" {
		model = j.row.Body.Model
	}
	sent := 0
	for _, m := range j.row.Body.Messages {
		sent += len(m.Content)
	}
	w := budget.WorstCase(budget.Call{Profile: l.t.Profile, Key: l.t.Key, Model: model,
		PromptTokens: int64(api.EstimateTokens(sent)), MaxTokens: int64(j.row.Body.maxTokens())})
	limit := *r.cfg.MaxCost
	switch {
	case !w.Known:
		r.sum.CapWhy = fmt.Sprintf("the price of %s on %s is not known, so its cost cannot be bounded (add a price to providers.yaml or leave --max-cost out)", model, l.t.Profile.Name)
	case r.sum.Spent+w.Cost > limit:
		r.sum.CapWhy = fmt.Sprintf("--max-cost %s reached: %s spent, and the next row could cost up to %s (its prompt and max_tokens at the catalog's price)",
			strconv.FormatFloat(limit, 'f', -1, 64), usage.Money(r.sum.Spent, w.Currency), usage.Money(w.Cost, w.Currency))
	case r.sum.Spent+r.reserved+w.Cost > limit:
		return 0, capWait
	default:
		return w.Cost, capSend
	}
	r.stopping, r.sum.Capped = true, true
	return 0, capStop
}

// cost is what a call that came back as o cost against Config.MaxCost:
// as reported, else its tokens at the catalog's price, else its worst
// case when the provider may have billed it; 0 when it did no work.
func (r *runner) cost(o outcome) float64 {
	if r.cfg.MaxCost == nil || o.err != nil {
		return 0
	}
	reply := o.res.Reply
	switch {
	case reply == nil:
		return 0
	case reply.Usage != nil && reply.Usage.Cost != nil:
		return *reply.Usage.Cost
	case reply.Usage != nil:
		model := o.l.t.Model
		if model == "" {
			model = o.j.row.Body.Model
		}
		if c, _, ok := usage.Cost(usage.Price(o.l.t.Profile, model), int64(reply.Usage.PromptTokens), int64(reply.Usage.CompletionTokens)); ok {
			return c
		}
	case !reply.Wrote && (reply.Quota == nil || reply.Quota.Class != quota.ClassOK):
		return 0 // refused before any work (a 429, a 5xx): nothing billed
	}
	return o.worst
}

func (r *runner) dispatch(ctx context.Context, l *lane, now time.Time, worst float64) error {
	j := r.queue[0]
	r.queue = r.queue[1:]
	if j.attempts == 0 && j.strikes == 0 {
		if err := r.cfg.Sink.Sent(j.row); err != nil {
			return err
		}
	}
	j.attempts++
	tokens := l.p.estimate(j.row.Body)
	l.p.sent(now, tokens)
	r.trace("send", l, now, traceEvent{})
	r.inflight++
	r.reserved += worst
	model := l.t.Model
	if model == "" {
		model = j.row.Body.Model
	}
	if model == "" {
		model = l.t.Profile.DefaultModel
	}
	req := engine.Request{
		Target: engine.Target{Profile: l.t.Profile, Key: l.t.Key, Model: model},
		Chat: api.ChatRequest{Model: model, Messages: j.row.Body.Messages, MaxTokens: j.row.Body.maxTokens(),
			Temperature: j.row.Body.Temperature},
		// MaxWait bounds only the fleet's turn (TIER_SHARED): a row is
		// never retried by the engine (Retries 0).
		Options: api.CallOptions{KeepContent: true, StallTimeout: r.cfg.StallTimeout, MaxWait: r.cfg.MaxWait},
		Kind:    usage.KindBatch,
	}
	go func() {
		res, err := r.cfg.Caller.Call(ctx, req)
		r.results <- outcome{j: j, l: l, res: res, err: err, tokens: tokens, sentAt: now, worst: worst}
	}()
	return nil
}

func (r *runner) handle(ctx context.Context, o outcome) {
	r.inflight--
	r.reserved -= o.worst
	if r.inflight == 0 {
		r.reserved = 0 // no rounding left over
	}
	r.sum.Spent += r.cost(o)
	now := r.cfg.Now()
	latency := now.Sub(o.sentAt) // the call's whole time, recording included
	o.l.p.returned(o.tokens, latency, o.res.Snapshot, o.sentAt)
	if r.cfg.Alert != nil {
		for _, a := range o.res.Alerts {
			r.cfg.Alert(a)
		}
	}
	if r.cfg.trace != nil {
		class := quota.Class("")
		if o.res.Reply != nil && o.res.Reply.Quota != nil {
			class = o.res.Reply.Quota.Class
		}
		r.trace("back", o.l, now, traceEvent{Latency: latency, Class: class})
	}
	if o.err != nil { // no call was made: the target cannot be called
		if o.l.dead == nil && len(r.lanes) > 1 && r.cfg.Note != nil {
			r.cfg.Note(fmt.Sprintf("%s left out: %s; its rows go to the other targets", o.l.t.Name, oneLine(o.err.Error())))
		}
		o.l.dead = o.err
		r.requeue(o.j)
		return
	}
	callErr := o.res.Err
	if callErr == nil {
		reply := o.res.Reply
		if reply.Usage != nil {
			o.l.p.used(o.tokens, int64(reply.Usage.PromptTokens+reply.Usage.CompletionTokens))
		}
		o.l.p.succeeded()
		r.write(success(o.j.row.Line, o.j.row, reply, now.Unix()), false)
		r.sum.Answered[o.l.t.Name]++
		return
	}
	if ctx.Err() != nil && errors.Is(callErr, ctx.Err()) {
		return // abandoned in flight: a resume sends it again
	}
	var ae *api.Error
	if !errors.As(callErr, &ae) {
		r.write(failure(o.j.row.Line, o.j.row, 0, "internal", callErr.Error()), true)
		return
	}
	wrote := o.res.Reply != nil && o.res.Reply.Wrote
	switch ae.Class {
	case quota.ClassRateLimited:
		r.sum.RateLimited++
		o.j.strikes++
		o.j.attempts--
		o.l.p.rateLimited(now, ae.RetryIn, o.j.strikes)
		if o.j.strikes > 20 {
			r.write(failure(o.j.row.Line, o.j.row, ae.Status, "rate_limited", ae.Message+" (20 times)"), true)
			return
		}
		r.requeue(o.j)
		return
	case quota.ClassQuotaExhausted:
		until := forever
		if w := ae.Exhausted; w != nil && w.ResetAt != nil {
			until = *w.ResetAt
		}
		if until.Sub(now) <= r.cfg.MaxWait {
			o.l.p.pausedUntil = maxTime(o.l.p.pausedUntil, until.Add(margin))
		} else {
			o.l.p.exhaustedUntil, o.l.p.exhaustedWhy, o.l.p.exhaustedAtReserve = until, o.l.t.Name+": "+ae.Message, false
		}
		o.j.attempts--
		r.requeue(o.j)
		return
	case quota.ClassServer, quota.ClassNetwork:
		if !ae.NoRetry && !wrote && o.j.attempts <= r.cfg.Retries {
			o.l.p.pausedUntil = maxTime(o.l.p.pausedUntil, now.Add(time.Duration(o.j.attempts)*500*time.Millisecond))
			r.requeue(o.j)
			return
		}
	}
	code := string(ae.Class)
	msg := ae.Message
	if ae.NoRetry && ae.Status/100 == 2 {
		code = "response_cut"
		msg += " (a 2xx arrived, so the provider may have billed it: not sent again)"
	}
	r.write(failure(o.j.row.Line, o.j.row, ae.Status, code, msg), true)
}

func (r *runner) requeue(j *job) { r.queue = append([]*job{j}, r.queue...) }

func (r *runner) write(row OutputRow, failed bool) {
	if err := r.cfg.Sink.Write(row); err != nil && r.fatal == nil {
		r.fatal = fmt.Errorf("cannot write the output: %w", err)
		return
	}
	r.sum.Done++
	if failed {
		r.sum.Failed++
	}
}

func (r *runner) report() {
	r.sum.InFlight = r.inflight
	r.sum.Elapsed = r.cfg.Now().Sub(r.start)
	if r.sum.Done > r.sum.Already && r.sum.Elapsed > 0 {
		rate := float64(r.sum.Done-r.sum.Already) / r.sum.Elapsed.Seconds()
		r.sum.ETA = time.Duration(float64(r.sum.Total-r.sum.Done) / rate * float64(time.Second))
	}
	if r.cfg.Progress != nil {
		r.cfg.Progress(r.sum.Progress)
	}
}
