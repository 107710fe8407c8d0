package budget

import (
	"fmt"
	"time"

	"github.com/tier-cli/tier/internal/usage"
)

// Status is a budget with what its scope spent in its current period.
type Status struct {
	Entry
	Scope   string    `json:"scope"`
	Spent   float64   `json:"spent"`
	Percent float64   `json:"percent"`
	Resets  time.Time `json:"resets,omitzero"`
	// UnknownCost counts the calls in scope with no known cost (a money
	// budget counts them as 0).
	UnknownCost int64 `json:"unknown_cost_requests,omitempty"`
	// RunsOutAt is when the limit is reached at the pace of the last
	// hour's calls in scope, when that is within the period: an estimate.
	RunsOutAt *time.Time `json:"runs_out_at,omitempty"`
}

// Text is s for people: "budget ci: $1.20 of $2.00 today (60%), runs out at ~15:00".
func (s Status) Text(now time.Time, loc *time.Location) string {
	t := fmt.Sprintf("budget %s (%s): %s of %s %s (%.0f%%)", s.Name, s.Scope, amount(s.Spent, s.Unit), amount(s.Limit, s.Unit), periodText(s.Period), s.Percent)
	if s.RunsOutAt != nil {
		at := s.RunsOutAt.In(loc)
		layout := "Jan 2 15:04 MST"
		if at.YearDay() == now.In(loc).YearDay() && at.Year() == now.In(loc).Year() {
			layout = "15:04 MST"
		}
		t += ", runs out at ~" + at.Format(layout) + " at the current pace"
	}
	return t
}

// StatusHeaders are the columns of Status.Cells.
var StatusHeaders = []string{"name", "scope", "limit", "spent", "used", "period", "resets", "mode", "source"}

// Cells is s as a table row.
func (s Status) Cells() []string {
	spent := amount(s.Spent, s.Unit)
	if s.UnknownCost > 0 {
		spent += fmt.Sprintf(" +%d unknown", s.UnknownCost)
	}
	resets := "-"
	if !s.Resets.IsZero() {
		resets = s.Resets.Format("Jan 2 15:04")
	}
	return []string{s.Name, s.Scope, amount(s.Limit, s.Unit), spent, fmt.Sprintf("%.0f%%", s.Percent), s.Period, resets, s.Mode, s.Source}
}

// Statuses are entries with what each spent this period, from log (not
// opened when there are none).
func Statuses(log *usage.Log, entries []Entry, now time.Time, loc *time.Location) ([]Status, error) {
	if len(entries) == 0 {
		return []Status{}, nil
	}
	db, err := log.Open()
	if err != nil {
		return nil, err
	}
	defer db.Close()
	out := make([]Status, 0, len(entries))
	for _, e := range entries {
		spent, unknown, err := Spent(db, e.Budget, now, loc)
		if err != nil {
			return nil, err
		}
		_, end := Start(e.Period, now, loc)
		st := Status{Entry: e, Scope: Describe(e.Budget), Spent: spent, Percent: spent / e.Limit * 100, Resets: end, UnknownCost: unknown}
		hourAgo := now.Add(-time.Hour).Truncate(15 * time.Minute)
		if last, _, err := spentSince(db, e.Budget, hourAgo); err == nil && last > 0 && spent < e.Limit {
			if h := (e.Limit - spent) / (last / now.Sub(hourAgo).Hours()); h < 24*366 {
				at := now.Add(time.Duration(h * float64(time.Hour))).UTC().Truncate(time.Minute)
				if end.IsZero() || at.Before(end) {
					st.RunsOutAt = &at
				}
			}
		}
		out = append(out, st)
	}
	return out, nil
}
