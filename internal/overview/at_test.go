package overview

import (
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// Rows read once, shown later (a live view between readings): a window
// whose reset passed is refilled, an estimate stays one, the rest is as
// read, and the rows given are not changed.
func TestAtRefillsWhatResetSince(t *testing.T) {
	soon, later := now.Add(10*time.Second), now.Add(time.Hour)
	rows := []Row{{Seen: now, Snapshot: quota.Snapshot{Provider: "groq", Key: "default", Model: "m", ObservedAt: now, Windows: []quota.Window{
		{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: i64(30), Remaining: i64(0), ResetAt: &soon, Source: quota.SourceHeader},
		{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i64(1000), Remaining: i64(880), ResetAt: &later, Source: quota.SourceHeader},
		{Metric: quota.Tokens, Period: quota.PeriodMinute, Limit: i64(6000), Remaining: i64(10), ResetAt: &soon, Source: quota.SourceEstimate},
	}}}}
	got := At(rows, now.Add(11*time.Second))
	ws := got[0].Snapshot.Windows
	if w := ws[0]; *w.Remaining != 30 || w.ResetAt != nil || w.Source != quota.SourceProjected {
		t.Errorf("the minute window past its reset: %+v, want 30 left, refilled", w)
	}
	if w := ws[1]; *w.Remaining != 880 || !w.ResetAt.Equal(later) || w.Source != quota.SourceHeader {
		t.Errorf("the day window: %+v, want it as read", w)
	}
	if w := ws[2]; *w.Remaining != 6000 || w.Source != quota.SourceEstimate {
		t.Errorf("the estimated window past its reset: %+v, want 6000 left, still an estimate", w)
	}
	if w := rows[0].Snapshot.Windows[0]; *w.Remaining != 0 || w.ResetAt == nil {
		t.Errorf("the rows given were changed: %+v", w)
	}
	if got[0].Seen != now {
		t.Errorf("seen %v", got[0].Seen)
	}
}
