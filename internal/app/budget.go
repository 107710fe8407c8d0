package app

import (
	"fmt"
	"io"
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

// SetBudget adds or changes b in budgets.json (budget.Set: a change keeps
// the fields given does not name), and says so on errw.
func (a *App) SetBudget(b catalog.Budget, given func(field string) bool, errw io.Writer) error {
	cat, err := a.Catalog()
	if err != nil {
		return err
	}
	if _, err := cat.Profile(b.Provider); b.Provider != "" && err != nil {
		return usageErr(err)
	}
	dir, err := catalog.ConfigDir(a.cfg.Getenv)
	if err != nil {
		return usageErr(err)
	}
	b, verb, err := budget.Set(dir, b, given, cat.Budgets)
	if err != nil {
		return err
	}
	fmt.Fprintf(errw, "tier: %s\n", budget.SetText(b, verb))
	return nil
}

// RemoveBudget removes the budget name from budgets.json and says so.
func (a *App) RemoveBudget(name string, errw io.Writer) error {
	dir, err := catalog.ConfigDir(a.cfg.Getenv)
	if err != nil {
		return usageErr(err)
	}
	if err := budget.Remove(dir, name); err != nil {
		return err
	}
	fmt.Fprintf(errw, "tier: budget %s removed\n", name)
	return nil
}
