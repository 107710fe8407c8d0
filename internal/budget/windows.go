package budget

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/usage"
)

// forever is the until of a credit's marks: it alerts again only once it
// was seen below the threshold (topped up).
const forever = math.MaxInt64

// WindowAlerts are the thresholds of c.Windows that the windows and credit
// of s (what is left after a call: provider, key and model set) have
// crossed: each threshold alerts once per window, across processes (the
// usage log's window_alerts table: the one upsert that moves a mark past
// its window's reset alerts), again once the window has reset and is
// crossed anew; a credit's once until it is seen below it again. The
// highest threshold newly crossed per window is returned and alerts.cmd
// run for it.
func (c *Checker) WindowAlerts(ctx context.Context, s quota.Snapshot) ([]Alert, error) {
	if c == nil || c.Log == nil {
		return nil, nil
	}
	at := c.Windows.Thresholds()
	if len(at) == 0 {
		return nil, nil
	}
	type crossing struct {
		a     Alert
		pct   float64
		until int64
	}
	var todo []crossing
	now := c.Now()
	loc := c.Loc
	if loc == nil {
		loc = time.Local
	}
	for _, w := range s.Windows {
		if w.Limit == nil || w.Remaining == nil || *w.Limit <= 0 || w.Source == quota.SourceEstimate {
			continue
		}
		used := float64(*w.Limit - max(*w.Remaining, 0))
		a := Alert{Kind: KindWindow, Provider: s.Provider, Key: s.Key, Model: s.Model, Metric: w.Metric,
			Spent: used, Limit: float64(*w.Limit), Unit: w.Metric, Period: w.Period}
		until := now.Add(24 * time.Hour)
		if d, ok := quota.PeriodLength(w.Period); ok {
			until = now.Add(d)
		}
		if w.ResetAt != nil && w.ResetAt.After(now) {
			a.Resets, until = w.ResetAt.In(loc), *w.ResetAt
		}
		todo = append(todo, crossing{a, used / float64(*w.Limit) * 100, until.UnixMilli()})
	}
	if cr := s.Credit; cr != nil && cr.Remaining != nil && cr.Granted != nil && *cr.Granted > 0 {
		used := *cr.Granted - max(*cr.Remaining, 0)
		a := Alert{Kind: KindCredit, Provider: s.Provider, Key: s.Key, Metric: "credit", Spent: used, Limit: *cr.Granted, Unit: cr.Unit}
		todo = append(todo, crossing{a, used / *cr.Granted * 100, forever})
	}
	if len(todo) == 0 {
		return nil, nil
	}
	db, err := c.Log.Open()
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var alerts []Alert
	for _, x := range todo {
		best, err := mark(db, x.a, x.pct, at, now.UnixMilli(), x.until)
		if err != nil {
			return alerts, err
		}
		if best > 0 {
			x.a.Threshold = best
			alerts = append(alerts, c.alert(ctx, c.Windows.Cmd, x.a))
		}
	}
	return alerts, nil
}

// mark records the thresholds of at that pct has reached for a's window
// until until, and says the highest of them no other call had marked for
// this window (0: none). A credit seen below a threshold is marked again
// when it next crosses it.
func mark(db *usage.DB, a Alert, pct float64, at []int, now, until int64) (int, error) {
	subject := a.Kind + "\x00" + a.Provider + "\x00" + a.Key + "\x00" + a.Model + "\x00" + a.Metric + "\x00" + a.Period
	best := 0
	for _, t := range at {
		if pct < float64(t) {
			if a.Kind == KindCredit {
				if _, err := db.SQL().Exec(`DELETE FROM window_alerts WHERE subject = ? AND threshold >= ?`, subject, t); err != nil {
					return 0, err
				}
			}
			break
		}
		res, err := db.SQL().Exec(`INSERT INTO window_alerts (subject, threshold, until, at) VALUES (?, ?, ?, ?)
			ON CONFLICT (subject, threshold) DO UPDATE SET until = excluded.until, at = excluded.at WHERE window_alerts.until <= ?`,
			subject, t, until, now, now)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			best = t
		}
	}
	return best, nil
}

// windowText is a window's or credit's alert for people: "groq (default)
// requests per day: 80% used (800 of 1,000, resets Dec 4 00:00)".
func (a Alert) windowText() string {
	what := quota.Window{Metric: a.Metric, Period: a.Period}.Label()
	used := strconv.FormatFloat(a.Spent, 'f', -1, 64) + " of " + strconv.FormatFloat(a.Limit, 'f', -1, 64)
	if a.Kind == KindCredit {
		what = "credit"
		used = usage.Money(a.Spent, a.Unit) + " of " + usage.Money(a.Limit, a.Unit)
	}
	s := fmt.Sprintf("%s (%s) %s: %d%% used (%s", a.Provider, a.Key, what, a.Threshold, used)
	if !a.Resets.IsZero() {
		s += ", resets " + a.Resets.Format("Jan 2 15:04")
	}
	s += ")"
	if a.CmdError != "" {
		s += "; alert_cmd failed: " + a.CmdError
	}
	return s
}
