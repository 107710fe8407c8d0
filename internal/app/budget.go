package app

import (
	"os"
	"time"

	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/store"
	"github.com/tier-cli/tier/internal/usage"
)

// BudgetEntries are the budgets of providers.yaml and budgets.json.
func (a *App) BudgetEntries(cat *catalog.Catalog) ([]budget.Entry, error) {
	var fromFile []catalog.Budget
	if dir, err := catalog.ConfigDir(a.cfg.Getenv); err == nil {
		if fromFile, err = budget.Load(dir); err != nil {
			return nil, usageErr(err)
		}
	}
	entries, err := budget.All(cat.Budgets, fromFile)
	if err != nil {
		return nil, usageErr(err)
	}
	return entries, nil
}

// Budgets is the engine's budget checker over the usage log of st.
func (a *App) Budgets(cat *catalog.Catalog, st *store.Store) (*budget.Checker, error) {
	entries, err := a.BudgetEntries(cat)
	if err != nil {
		return nil, err
	}
	return &budget.Checker{Budgets: budget.Budgets(entries), Windows: cat.Alerts, Log: usage.New(st.Dir), Now: a.Now, Loc: a.Zone(),
		Environ: os.Environ(), Output: a.cfg.Stderr}, nil
}

// BudgetStatuses is where each budget stands at now (tier budget list).
func (a *App) BudgetStatuses(now time.Time) ([]budget.Status, error) {
	cat, err := a.Catalog()
	if err != nil {
		return nil, err
	}
	st, err := a.Store()
	if err != nil {
		return nil, err
	}
	entries, err := a.BudgetEntries(cat)
	if err != nil {
		return nil, err
	}
	return budget.Statuses(usage.New(st.Dir), entries, now, a.Zone())
}
