package shared

import (
	"context"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// Before is engine.Fleet's: the wait a block another machine recorded asks
// for (with why), or *Unavailable in required mode when Redis is out of
// reach. One GET; it doubles as the reachability check.
func (f *Fleet) Before(ctx context.Context, provider, keyID, model string) (time.Duration, string, error) {
	if f.down.Load() {
		return 0, "", nil
	}
	b, ok, err := f.Blocked(ctx, provider, keyID, model)
	if err != nil || !ok {
		return 0, "", err
	}
	why := "cooling down after a 429"
	if b.Why == string(quota.ClassQuotaExhausted) {
		why = "quota exhausted until its reset"
	}
	if b.Host != "" {
		why += " seen by " + b.Host
	}
	return b.Until.Sub(f.now()), why, nil
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
