package batch

import (
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// TestReadingsOfOneMomentOutOfOrder: two replies seen in the same second
// come back in either order; the one that counted more calls wins, so a
// late reply cannot hand back requests already spent (a reserve was once
// crossed by one row this way).
func TestReadingsOfOneMomentOutOfOrder(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	reset := at.Add(12 * time.Hour)
	reading := func(remaining int64, resetAt time.Time) *quota.Snapshot {
		return &quota.Snapshot{ObservedAt: at, Windows: []quota.Window{{Metric: quota.Requests, Period: quota.PeriodDay,
			Limit: ptr(int64(45)), Remaining: &remaining, ResetAt: &resetAt, Source: quota.SourceHeader}}}
	}
	tests := []struct {
		name   string
		second *quota.Snapshot
		want   int64
	}{
		{"a later reply with more left is the earlier one", reading(21, reset), 20},
		{"one with less left wins", reading(19, reset), 19},
		{"a new window (a later reset) is taken", reading(44, reset.Add(24*time.Hour)), 44},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPacer("t", nil, nil, time.Minute, 4)
			p.inflight = 2
			p.returned(0, 0, reading(20, reset), at)
			p.returned(0, 0, tt.second, at)
			if got := p.window(quota.Requests, quota.PeriodDay).remaining; got != tt.want {
				t.Errorf("remaining = %d, want %d", got, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
