package store

import (
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

func i64(v int64) *int64        { return &v }
func f64(v float64) *float64    { return &v }
func tp(t time.Time) *time.Time { return &t }

func win(metric, period string, limit, remaining int64, reset time.Time, source string) quota.Window {
	w := quota.Window{Metric: metric, Period: period, Limit: i64(limit), Remaining: i64(remaining), Source: source}
	if !reset.IsZero() {
		w.ResetAt = tp(reset)
	}
	return w
}

func credit(remaining float64, unit string) *quota.Credit {
	return &quota.Credit{Remaining: f64(remaining), Unit: unit, Source: quota.SourceBalance}
}
