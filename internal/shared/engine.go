package shared

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tier-cli/tier/internal/quota"
)

// Before is engine.Fleet's: the wait a block another machine recorded asks
// for (with why), else the wait for this call's turn in the fleet's
// limiter of each per-minute request window the fleet has seen (paced);
// or *Unavailable in required mode when Redis is out of reach.
func (f *Fleet) Before(ctx context.Context, provider, keyID, model string) (time.Duration, string, error) {
	if f.down.Load() {
		return 0, "", nil
	}
	b, ok, err := f.Blocked(ctx, provider, keyID, model)
	if err != nil {
		return 0, "", err
	}
	if ok {
		why := "cooling down after a 429"
		if b.Why == string(quota.ClassQuotaExhausted) {
			why = "quota exhausted until its reset"
		}
		if b.Host != "" {
			why += " seen by " + b.Host
		}
		return b.Until.Sub(f.now()), why, nil
	}
	limits, windows, err := f.limits(ctx, provider, keyID, model)
	if err != nil {
		return 0, "", err
	}
	if limits == nil {
		// Nothing seen yet by anyone: one call goes first and learns the
		// limits for all; the others wait for its reading.
		return f.first(ctx, provider, keyID, model)
	}
	var wait time.Duration
	for name, l := range limits {
		ok, after, err := f.Allow(ctx, provider+"/"+keyID+"/"+model+"/"+name, l, 1)
		if err != nil {
			return 0, "", err
		}
		if !ok && after > wait {
			wait = after
		}
	}
	if wait > 0 {
		return wait, "waiting for the fleet's turn (shared rate limit)", nil
	}
	for name, w := range windows {
		after, err := f.admit(ctx, provider+"/"+keyID+"/"+model+"/"+name, w)
		if err != nil {
			return 0, "", err
		}
		if after > 0 {
			return after, "the fleet has used this window up until its reset", nil
		}
		f.mu.Lock()
		f.admitted[provider+"/"+keyID+"/"+model+"/"+name]++
		f.mu.Unlock()
	}
	return 0, "", nil
}

// admitScript admits one call into a provider's fixed window as the
// fleet last read it: KEYS[1] holds the window's reset (ms) and what is
// left of it; KEYS[2] counts the fleet's calls in flight. ARGV: the
// reading's reset (ms), its remaining, half the window's length (ms; a
// reset further than that is a new window). On Redis's clock. Returns 0
// (admitted, counted in flight) or the ms until the reset.
var admitScript = redis.NewScript(`
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local reset = tonumber(ARGV[1])
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
if left <= 0 then
  redis.call('HSET', KEYS[1], 'reset', reset, 'left', left)
  redis.call('PEXPIREAT', KEYS[1], reset + 1000)
  return math.max(1, reset - now)
end
redis.call('HSET', KEYS[1], 'reset', reset, 'left', left - 1)
redis.call('PEXPIREAT', KEYS[1], reset + 1000)
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], 60000)
return 0`)

// landScript counts one call fewer in flight, never below 0.
var landScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0`)

// window is a paced window as last read: its reset, what was left, and
// its length as seen.
type window struct {
	reset  time.Time
	left   int64
	length time.Duration
}

// admit takes one call of the fleet's into window w, or says how long
// until its reset.
func (f *Fleet) admit(ctx context.Context, name string, w window) (time.Duration, error) {
	c, cancel := f.ctx(ctx)
	defer cancel()
	ms, err := admitScript.Run(c, f.rdb, []string{f.key("left", name), f.key("inflight", name)},
		w.reset.UnixMilli(), w.left, (w.length / 2).Milliseconds()).Int64()
	if err != nil {
		return 0, f.fail(err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// landed says one call admitted into provider/keyID/model's windows came
// back: no longer in flight.
func (f *Fleet) landed(ctx context.Context, provider, keyID, model string) {
	c, cancel := f.ctx(ctx)
	defer cancel()
	prefix := provider + "/" + keyID + "/" + model + "/"
	var names []string
	f.mu.Lock()
	for k, n := range f.admitted {
		if n > 0 && strings.HasPrefix(k, prefix) {
			names = append(names, strings.TrimPrefix(k, prefix))
		}
	}
	f.mu.Unlock()
	for _, n := range names {
		name := provider + "/" + keyID + "/" + model + "/" + n
		f.mu.Lock()
		mine := f.admitted[name] > 0
		if mine {
			f.admitted[name]--
		}
		f.mu.Unlock()
		if !mine {
			continue
		}
		if err := landScript.Run(c, f.rdb, []string{f.key("inflight", name)}).Err(); err != nil {
			f.lost(f.fail(err))
			return
		}
	}
}

// limits is the fleet's limiter of each paced window of provider, keyID,
// model, from the shared snapshot and the windows' lengths seen.
func (f *Fleet) limits(ctx context.Context, provider, keyID, model string) (map[string]Limit, map[string]window, error) {
	c, cancel := f.ctx(ctx)
	defer cancel()
	h, err := f.rdb.HGetAll(c, f.key("snap", provider, keyID, model)).Result()
	if err != nil {
		return nil, nil, f.fail(err)
	}
	var e Entry
	if h["entry"] == "" || json.Unmarshal([]byte(h["entry"]), &e) != nil {
		return nil, nil, nil
	}
	out := map[string]Limit{} // not nil: a reading exists
	wins := map[string]window{}
	for _, w := range e.Snapshot.Windows {
		name := w.Metric + "/" + w.Period
		ms, _ := strconv.ParseInt(h["span:"+name], 10, 64)
		// Paced whenever its length is known, also when this reading's
		// reset has passed (the limit stands).
		if ms <= 0 || w.Limit == nil || *w.Limit <= 0 {
			continue
		}
		length := time.Duration(ms) * time.Millisecond
		out[name] = paced(*w.Limit, length)
		if w.Remaining != nil && w.ResetAt != nil {
			wins[name] = window{reset: *w.ResetAt, left: *w.Remaining, length: length}
		}
	}
	return out, wins, nil
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
	f.landed(ctx, provider, keyID, model)
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

// paced is the fleet's limiter of a window of limit requests per length: a
// burst of a twentieth of the limit (at least 1) and the rest spread evenly,
// so that no fixed window of that length ever sees more than the limit (a
// window holds the burst and rate − 1 more: burst + rate − 1 = limit) while
// about 95 % of it is used.
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
