package cli

import (
	"os"

	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/store"
	"github.com/tier-cli/tier/internal/usage"
)

// budgetEntries are the budgets of providers.yaml and budgets.json.
func (a *app) budgetEntries(cat *catalog.Catalog) ([]budget.Entry, error) {
	var fromFile []catalog.Budget
	if dir, err := catalog.ConfigDir(a.env.Getenv); err == nil {
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

// budgets is the engine's budget checker over the usage log of st.
func (a *app) budgets(cat *catalog.Catalog, st *store.Store) (*budget.Checker, error) {
	entries, err := a.budgetEntries(cat)
	if err != nil {
		return nil, err
	}
	return &budget.Checker{Budgets: budget.Budgets(entries), Windows: cat.Alerts, Log: usage.New(st.Dir), Now: a.now, Loc: localZone(a.env),
		Environ: os.Environ(), Output: a.env.Stderr}, nil
}
