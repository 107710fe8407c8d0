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
		out = append(out, Status{Entry: e, Scope: Describe(e.Budget), Spent: spent, Percent: spent / e.Limit * 100, Resets: end, UnknownCost: unknown})
	}
	return out, nil
}
