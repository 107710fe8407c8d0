package shared

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

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
	limits, err := f.limits(ctx, provider, keyID, model)
	if err != nil {
		return 0, "", err
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
	return 0, "", nil
}

// limits is the fleet's limiter of each paced window of provider, keyID,
// model, from the shared snapshot and the windows' lengths seen.
func (f *Fleet) limits(ctx context.Context, provider, keyID, model string) (map[string]Limit, error) {
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
	out := map[string]Limit{}
	for _, w := range e.Snapshot.Windows {
		name := w.Metric + "/" + w.Period
		ms, _ := strconv.ParseInt(h["span:"+name], 10, 64)
		if _, paced := span(w, e.Snapshot.ObservedAt); !paced || ms <= 0 {
			continue
		}
		out[name] = paced(*w.Limit, time.Duration(ms)*time.Millisecond)
	}
	return out, nil
}

// After is engine.Fleet's: it publishes the snapshot, blocks the fleet
// after a 429 (for its Retry-After) or an exhausted window (until its
// reset), and counts the call in each window that has a reset. Failures
// are preferred mode's warning or, in required mode, lost: the call was
// made.
func (f *Fleet) After(ctx context.Context, provider, keyID, fingerprint, model string, q *quota.Result, s *quota.Snapshot, tokens int64) {
	if f.down.Load() || q == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if s != nil {
		_ = f.Publish(ctx, *s, keyID, fingerprint)
	}
	now := f.now()
	switch q.Class {
	case quota.ClassRateLimited:
		if q.RetryAfter > 0 {
			_ = f.SetBlock(ctx, provider, keyID, model, Block{Until: now.Add(q.RetryAfter), Why: string(q.Class)})
		}
	case quota.ClassQuotaExhausted:
		if q.Exhausted != nil && q.Exhausted.ResetAt != nil {
			_ = f.SetBlock(ctx, provider, keyID, model, Block{Until: *q.Exhausted.ResetAt, Why: string(q.Class)})
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
			_, _ = f.Count(ctx, provider, keyID, model+"/"+w.Metric+"/"+w.Period, n, *w.ResetAt)
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
