package shared

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tier-cli/tier/internal/quota"
)

// Before is engine.Fleet's: the wait a block another machine recorded asks
// for (with why), else the wait for this call's turn in the fleet's
// limiter of each per-minute window the fleet has seen (paced: requests
// at a cost of 1, tokens at the call's pre-estimate, tokens), then its
// admission into each of those windows as last read; or *Unavailable in
// required mode when Redis is out of reach. The Ticket (nil when nothing
// was taken) is the call's share of the limiters: Land it once the call
// is back, whatever became of it.
func (f *Fleet) Before(ctx context.Context, provider, keyID, model string, tokens int64) (*Ticket, time.Duration, string, error) {
	if f.down.Load() {
		return nil, 0, "", nil
	}
	b, ok, err := f.Blocked(ctx, provider, keyID, model)
	if err != nil || f.down.Load() { // f.down: preferred mode, Redis just failed: local state only from now
		return nil, 0, "", err
	}
	if ok {
		why := "cooling down after a 429"
		if b.Why == string(quota.ClassQuotaExhausted) {
			why = "quota exhausted until its reset"
		}
		if b.Host != "" {
			why += " seen by " + b.Host
		}
		return nil, b.Until.Sub(f.now()), why, nil
	}
	ws, err := f.limits(ctx, provider, keyID, model)
	if err != nil || f.down.Load() {
		return nil, 0, "", err
	}
	if ws == nil {
		// Nothing seen yet by anyone: one call goes first and learns the
		// limits for all; the others wait for its reading.
		wait, why, err := f.first(ctx, provider, keyID, model)
		return nil, wait, why, err
	}
	prefix := provider + "/" + keyID + "/" + model + "/"
	t := &Ticket{f: f}
	var wait time.Duration
	for _, w := range ws {
		cost := w.cost(tokens)
		l := w.limit
		// A call larger than the burst goes when the limiter has drained
		// (GCRA lets no more than the burst through at once). A window
		// may then hold up to the limit and what the call exceeds the
		// burst by, when it comes right after a full one: the admission
		// into the window as last read (what the provider said is left,
		// less what is in flight) holds that back.
		l.Burst = max(l.Burst, cost)
		ok, after, err := f.Allow(ctx, prefix+w.name, l, cost)
		if err != nil {
			t.giveBack(ctx)
			return nil, 0, "", err
		}
		if !ok {
			wait = max(wait, after)
			continue
		}
		t.taken = append(t.taken, taken{name: prefix + w.name, tokens: w.metric == quota.Tokens, limit: w.limit, cost: cost})
	}
	if f.down.Load() {
		return nil, 0, "", nil
	}
	if wait > 0 {
		t.giveBack(ctx)
		return nil, wait, "waiting for the fleet's turn (shared rate limit)", nil
	}
	for i := range t.taken {
		tk := &t.taken[i]
		w := ws[tk.name[len(prefix):]]
		if w.win == nil {
			continue
		}
		after, err := f.admit(ctx, tk.name, *w.win, tk.cost)
		if f.down.Load() {
			return nil, 0, "", nil
		}
		if err != nil || after > 0 {
			t.giveBack(ctx)
			if err != nil {
				return nil, 0, "", err
			}
			return nil, after, "the fleet has used this window up until its reset", nil
		}
		tk.admitted, tk.reset = true, w.win.reset
	}
	return t, 0, "", nil
}

// Unknown, as Ticket.Land's tokens, says the call's usage is not known
// (no response came): what was taken for it stands.
const Unknown int64 = -1

// Ticket is what one call took of the fleet's limiters (Before): the
// limiters' cost, and its place in flight in the windows as last read.
type Ticket struct {
	f     *Fleet
	taken []taken
}

type taken struct {
	name     string // provider/keyID/model/metric/period
	tokens   bool   // a token window: cost is the call's pre-estimate
	limit    Limit
	cost     int64
	admitted bool      // counted in flight in the window as last read
	reset    time.Time // that window's reset
}

// Land says the call is back, having used tokens (Unknown when no
// response said, 0 when it was refused before any work): no longer in
// flight, and each token limiter corrected from the pre-estimate to the
// real usage. GCRA takes it as a move of the theoretical arrival time by
// (tokens − estimate) emission intervals: back (never before Redis's
// now) when the call used less, forward when it used more, so that the
// calls after it wait for what it really took. A request window keeps
// its cost of 1 (the provider counted the request). A process killed
// before Land leaves its cost taken and its place in flight until the
// keys expire (a minute): the fleet errs on the side of the limit. A nil
// Ticket lands nothing.
func (t *Ticket) Land(ctx context.Context, tokens int64) {
	if t == nil || t.f.down.Load() {
		return
	}
	ctx = context.WithoutCancel(ctx)
	for _, tk := range t.taken {
		delta := int64(0)
		if tk.tokens && tokens >= 0 {
			delta = min(tokens, tk.limit.Rate+tk.limit.Burst-1) - tk.cost
		}
		t.f.lost(t.f.land(ctx, tk, delta))
	}
	t.taken = nil
}

// giveBack returns all t took: the call is not sent now.
func (t *Ticket) giveBack(ctx context.Context) {
	if t.f.down.Load() {
		t.taken = nil
		return
	}
	ctx = context.WithoutCancel(ctx)
	for _, tk := range t.taken {
		t.f.lost(t.f.land(ctx, tk, -tk.cost))
	}
	t.taken = nil
}

// land takes tk out of flight (when it was admitted) and moves its
// limiter by delta units (see Ticket.Land).
func (f *Fleet) land(ctx context.Context, tk taken, delta int64) error {
	c, cancel := f.ctx(ctx)
	defer cancel()
	if delta != 0 {
		err := adjustScript.Run(c, f.rdb, []string{f.key("gcra", tk.name)}, tk.limit.Rate, tk.limit.Period.Seconds(), delta).Err()
		if err != nil {
			return f.fail(err)
		}
	}
	if !tk.admitted {
		return nil
	}
	// In flight no more; what the window as last read has left moves by
	// what the call did not use (delta is its opposite).
	back := int64(0)
	if delta < 0 {
		back = -delta
	}
	err := landScript.Run(c, f.rdb, []string{f.key("left", tk.name), f.key("inflight", tk.name)}, tk.cost, tk.reset.UnixMilli(), back).Err()
	return f.fail(err)
}

// adjustScript moves a GCRA limiter's theoretical arrival time (KEYS[1],
// as gcraScript keeps it) by ARGV[3] events of ARGV[1] per ARGV[2]
// seconds: never before Redis's now (a limiter that has drained holds no
// credit), and gone when it lands there.
var adjustScript = redis.NewScript(`
local emission_interval = tonumber(ARGV[2]) / tonumber(ARGV[1])
local delta = tonumber(ARGV[3]) * emission_interval
local jan_1_2017 = 1483228800
local now = redis.call("TIME")
now = (now[1] - jan_1_2017) + (now[2] / 1000000)
local tat = redis.call("GET", KEYS[1])
if not tat then
  if delta <= 0 then return 0 end
  tat = now
else
  tat = math.max(tonumber(tat), now)
end
local new_tat = tat + delta
if new_tat <= now then
  redis.call("DEL", KEYS[1])
  return 0
end
redis.call("SET", KEYS[1], new_tat, "EX", math.ceil(new_tat - now))
return 1`)

// admitScript admits a call of ARGV[4] units into a provider's fixed
// window as the fleet last read it: KEYS[1] holds the window's reset (ms)
// and what is left of it; KEYS[2] counts the units of the fleet's calls
// in flight. ARGV: the reading's reset (ms), its remaining, half the
// window's length (ms; a reset further than that is a new window), the
// cost (1 request, or a call's pre-estimated tokens, at most the limit).
// On Redis's clock. Returns 0 (admitted, counted in flight) or the ms
// until the reset.
var admitScript = redis.NewScript(`
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local reset = tonumber(ARGV[1])
local cost = tonumber(ARGV[4])
if now >= reset then return 0 end
local inflight = tonumber(redis.call('GET', KEYS[2]) or '0')
local fromReading = tonumber(ARGV[2]) - inflight
local h = redis.call('HMGET', KEYS[1], 'reset', 'left')
local left
if not h[1] or tonumber(h[1]) <= now or reset > tonumber(h[1]) + tonumber(ARGV[3]) then
  left = fromReading
else
  left = math.min(tonumber(h[2]), fromReading)
  reset = tonumber(h[1])
end
if left < cost then
  redis.call('HSET', KEYS[1], 'reset', reset, 'left', left)
  redis.call('PEXPIREAT', KEYS[1], reset + 1000)
  return math.max(1, reset - now)
end
redis.call('HSET', KEYS[1], 'reset', reset, 'left', left - cost)
redis.call('PEXPIREAT', KEYS[1], reset + 1000)
redis.call('INCRBY', KEYS[2], cost)
redis.call('PEXPIRE', KEYS[2], 60000)
return 0`)

// landScript takes ARGV[1] units of a call out of flight (KEYS[2]), never
// below 0, and gives back ARGV[3] units to what is left of the window as
// last read (KEYS[1]) when it is still the window of reset ARGV[2] (ms).
var landScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[2]) or '0')
if n > 0 then redis.call('DECRBY', KEYS[2], math.min(n, tonumber(ARGV[1]))) end
local back = tonumber(ARGV[3])
if back > 0 and tonumber(redis.call('HGET', KEYS[1], 'reset') or '-1') == tonumber(ARGV[2]) then
  redis.call('HINCRBY', KEYS[1], 'left', back)
end
return 0`)

// window is a paced window as last read: its reset, what was left, and
// its length as seen.
type window struct {
	reset  time.Time
	left   int64
	length time.Duration
}

// admit takes cost units of a call of the fleet's into window w, or says
// how long until its reset.
func (f *Fleet) admit(ctx context.Context, name string, w window, cost int64) (time.Duration, error) {
	c, cancel := f.ctx(ctx)
	defer cancel()
	ms, err := admitScript.Run(c, f.rdb, []string{f.key("left", name), f.key("inflight", name)},
		w.reset.UnixMilli(), w.left, (w.length / 2).Milliseconds(), cost).Int64()
	if err != nil {
		return 0, f.fail(err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// pacedWindow is one window the fleet paces: its name (metric/period),
// metric, limiter and, when the reading had them, its reset and what was
// left.
type pacedWindow struct {
	name   string
	metric string
	limit  Limit
	win    *window
}

// cost is what a call of tokens pre-estimated tokens takes of w: 1 of a
// request window, its tokens (at least 1, at most the limit: a call
// larger than the window waits for a whole one) of a token window.
func (w pacedWindow) cost(tokens int64) int64 {
	if w.metric != quota.Tokens {
		return 1
	}
	return min(max(tokens, 1), w.limit.Rate+w.limit.Burst-1)
}

// limits is the fleet's limiter of each paced window of provider, keyID,
// model, from the shared snapshot and the windows' lengths seen, by name;
// nil when nobody has read them yet.
func (f *Fleet) limits(ctx context.Context, provider, keyID, model string) (map[string]pacedWindow, error) {
	c, cancel := f.ctx(ctx)
	defer cancel()
	h, err := f.rdb.HGetAll(c, f.key("snap", provider, keyID, model)).Result()
	if err != nil {
		return nil, f.fail(err)
	}
	var e Entry
	if h["entry"] == "" || json.Unmarshal([]byte(h["entry"]), &e) != nil {
		return nil, nil
	}
	out := map[string]pacedWindow{} // not nil: a reading exists
	for _, w := range e.Snapshot.Windows {
		name := w.Metric + "/" + w.Period
		ms, _ := strconv.ParseInt(h["span:"+name], 10, 64)
		// Paced whenever its length is known, also when this reading's
		// reset has passed (the limit stands).
		if ms <= 0 || w.Limit == nil || *w.Limit <= 0 {
			continue
		}
		length := time.Duration(ms) * time.Millisecond
		pw := pacedWindow{name: name, metric: w.Metric, limit: paced(*w.Limit, length)}
		if w.Remaining != nil && w.ResetAt != nil {
			pw.win = &window{reset: *w.ResetAt, left: *w.Remaining, length: length}
		}
		out[name] = pw
	}
	return out, nil
}

// After is engine.Fleet's: it publishes the snapshot, blocks the fleet
// after a 429 (for its Retry-After) or an exhausted window (until its
// reset), and counts the call in each window that has a reset. A failure
// is preferred mode's warning or, in required mode, a warning once (the
// call was made): never silent.
func (f *Fleet) After(ctx context.Context, provider, keyID, fingerprint, model string, q *quota.Result, s *quota.Snapshot, tokens int64) {
	if f.down.Load() || q == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if s != nil {
		f.lost(f.Publish(ctx, *s, keyID, fingerprint))
	}
	now := f.now()
	switch q.Class {
	case quota.ClassRateLimited:
		if q.RetryAfter > 0 {
			f.lost(f.SetBlock(ctx, provider, keyID, model, Block{Until: now.Add(q.RetryAfter), Why: string(q.Class)}))
		}
	case quota.ClassQuotaExhausted:
		if q.Exhausted != nil && q.Exhausted.ResetAt != nil {
			f.lost(f.SetBlock(ctx, provider, keyID, model, Block{Until: *q.Exhausted.ResetAt, Why: string(q.Class)}))
		}
	case quota.ClassOK:
		if s == nil {
			return
		}
		for _, w := range s.Windows {
			if w.ResetAt == nil {
				continue
			}
			n := int64(0)
			switch w.Metric {
			case quota.Requests:
				n = 1
			case quota.Tokens:
				n = tokens
			}
			_, err := f.Count(ctx, provider, keyID, model+"/"+w.Metric+"/"+w.Period, n, *w.ResetAt)
			f.lost(err)
		}
	}
}

// paced is the fleet's limiter of a window of limit units (requests or
// tokens) per length: a burst of a twentieth of the limit (at least 1) and
// the rest spread evenly, so that no fixed window of that length ever sees
// more than the limit (a window holds the burst and rate − 1 more: burst +
// rate − 1 = limit) while about 95 % of it is used. A token call larger
// than the burst goes only once the limiter has drained, and costs at
// most the limit (pacedWindow.cost).
func paced(limit int64, length time.Duration) Limit {
	burst := max(1, limit/20)
	return Limit{Rate: max(1, limit-burst+1), Period: length, Burst: burst}
}

// firstFor is how long the first call of a fleet has to bring back a
// reading before another may go first.
const firstFor = 2 * time.Second

// first lets one call of the fleet go while nothing is known, and asks the
// others to wait a moment for its reading.
func (f *Fleet) first(ctx context.Context, provider, keyID, model string) (time.Duration, string, error) {
	c, cancel := f.ctx(ctx)
	defer cancel()
	won, err := f.rdb.SetNX(c, f.key("first", provider, keyID, model), f.cfg.Host, firstFor).Result()
	if err != nil {
		return 0, "", f.fail(err)
	}
	if won {
		return 0, "", nil
	}
	return 50 * time.Millisecond, "waiting for the fleet's first reading of the limits", nil
}

// lost says, once, that what a call learned could not be shared (required
// mode: the call was already made, so it is a warning, not a failure).
func (f *Fleet) lost(err error) {
	if err == nil {
		return
	}
	f.once.Do(func() {
		f.warn("what this call learned was not shared: " + err.Error())
	})
}
