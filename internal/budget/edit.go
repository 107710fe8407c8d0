package budget

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tier-cli/tier/internal/catalog"
)

// UsageError is a budget that cannot be set or removed as asked (exit 2):
// a budget of providers.yaml, one that is not there, a budgets.json that
// cannot be read.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Set adds b to the budgets.json in dir, or changes the budget of its
// name, and returns the budget as saved and which it did ("added",
// "changed"). A change keeps every field that given (by its flag's name:
// limit, unit, period, mode, provider, key, tag, alert-at, alert-cmd) says
// was not given, so that 'tier budget set ci --limit 5', as a refusal
// advises, raises ci's limit and keeps its scope, period, mode and alerts;
// a new provider drops the key of the old one. A new budget needs its
// limit. A budget of that name in providers.yaml (inCatalog) is changed
// there, not here. What is wrong is a *UsageError.
func Set(dir string, b catalog.Budget, given func(field string) bool, inCatalog []catalog.Budget) (catalog.Budget, string, error) {
	if slices.ContainsFunc(inCatalog, func(c catalog.Budget) bool { return c.Name == b.Name }) {
		return b, "", &UsageError{fmt.Errorf("budget %q is set in providers.yaml: change it there", b.Name)}
	}
	list, err := Load(dir)
	if err != nil {
		return b, "", &UsageError{err}
	}
	i := slices.IndexFunc(list, func(c catalog.Budget) bool { return c.Name == b.Name })
	verb := "added"
	if i >= 0 {
		b, verb = merge(list[i], b, given), "changed"
	} else if !given("limit") {
		return b, "", &UsageError{fmt.Errorf("budget %q is new: give its --limit", b.Name)}
	}
	if _, msg := b.Check(); msg != "" {
		return b, "", &UsageError{errors.New(msg)}
	}
	if i >= 0 {
		list[i] = b
	} else {
		list = append(list, b)
	}
	return b, verb, Save(dir, list)
}

// merge is old with the fields of b that given says were given.
func merge(old, b catalog.Budget, given func(string) bool) catalog.Budget {
	out := old
	set := func(field string, dst *string, v string) {
		if given(field) {
			*dst = v
		}
	}
	if given("provider") && b.Provider != old.Provider {
		out.Key = ""
	}
	set("provider", &out.Provider, b.Provider)
	set("key", &out.Key, b.Key)
	set("tag", &out.Tag, b.Tag)
	set("unit", &out.Unit, b.Unit)
	set("period", &out.Period, b.Period)
	set("mode", &out.Mode, b.Mode)
	set("alert-cmd", &out.AlertCmd, b.AlertCmd)
	if given("limit") {
		out.Limit = b.Limit
	}
	if given("alert-at") {
		out.AlertAt = b.AlertAt
	}
	return out
}

// Remove removes the budget name from the budgets.json in dir.
func Remove(dir, name string) error {
	list, err := Load(dir)
	if err != nil {
		return &UsageError{err}
	}
	i := slices.IndexFunc(list, func(c catalog.Budget) bool { return c.Name == name })
	if i < 0 {
		return &UsageError{fmt.Errorf("no budget %q in %s (see 'tier budget list'; those of providers.yaml are removed there)", name, FileName)}
	}
	return Save(dir, slices.Delete(list, i, i+1))
}
