package cli

import (
	"fmt"
	"time"

	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/usage"
)

// addRunway fills in, from the usage log (when there is one), when each
// row's windows and credit run out at the current pace (usage.FillRunways).
func (a *app) addRunway(rows []overview.Row, now time.Time) {
	st, err := a.store()
	if err != nil {
		return
	}
	snaps := make([]*quota.Snapshot, len(rows))
	for i := range rows {
		snaps[i] = &rows[i].Snapshot
	}
	usage.FillRunways(st.Dir, snaps, now)
}

// printRunway says on stderr what runs out when, one line a row, and
// where tier's own budgets stand.
func (a *app) printRunway(env *Env, rows []overview.Row, now time.Time) {
	loc := localZone(env)
	defer a.printBudgets(env, now, loc)
	snaps := make([]quota.Snapshot, len(rows))
	for i, r := range rows {
		snaps[i] = r.Snapshot
	}
	usage.WriteRunways(env.Stderr, snaps, now, loc)
}

// printBudgets says on stderr where each budget stands (tier budget list
// has them as a table).
func (a *app) printBudgets(env *Env, now time.Time, loc *time.Location) {
	cat, err := a.catalog()
	if err != nil {
		return
	}
	entries, err := a.budgetEntries(cat)
	st, serr := a.store()
	if err != nil || serr != nil || len(entries) == 0 {
		return
	}
	statuses, err := budget.Statuses(usage.New(st.Dir), entries, now, loc)
	if err != nil {
		return
	}
	for _, s := range statuses {
		fmt.Fprintf(env.Stderr, "tier: %s\n", s.Text(now, loc))
	}
}
