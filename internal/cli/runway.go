package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/usage"
)

// addRunway fills in, from the usage log (when there is one), when each
// row's windows and credit run out at the current pace (usage.Runway).
func (a *app) addRunway(rows []overview.Row, now time.Time) {
	st, err := a.store()
	if err != nil || len(rows) == 0 {
		return
	}
	if !exists(filepath.Join(st.Dir, usage.DBFile)) && !exists(filepath.Join(st.Dir, usage.JournalFile)) {
		return // nothing logged: no need to create the database
	}
	db, err := usage.New(st.Dir).Open()
	if err != nil {
		return // the pace is a nicety: tier quota works without it
	}
	defer db.Close()
	for i := range rows {
		s := &rows[i].Snapshot
		hour, err1 := db.Pace(s.Provider, s.Key, s.Model, now.Add(-time.Hour))
		week, err2 := db.Pace(s.Provider, s.Key, "", now.AddDate(0, 0, -7))
		if err1 == nil && err2 == nil {
			usage.Runway(s, hour, week, now)
		}
	}
}

// printRunway says on stderr what runs out when, one line a row, and
// where tier's own budgets stand.
func (a *app) printRunway(env *Env, rows []overview.Row, now time.Time) {
	loc := localZone(env)
	defer a.printBudgets(env, now, loc)
	for _, r := range rows {
		if t := usage.RunwayText(r.Snapshot, now, loc); t != "" {
			who := r.Snapshot.Provider + " " + r.Snapshot.Key
			if r.Snapshot.Model != "" {
				who += " " + r.Snapshot.Model
			}
			fmt.Fprintf(env.Stderr, "tier: %s: %s, at the current pace\n", who, t)
		}
	}
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

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
