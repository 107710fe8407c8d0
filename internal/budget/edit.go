package budget

import (
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

// Set adds b to the budgets.json in dir, or changes the one of its name,
// and says which ("added", "changed"). A budget of that name in
// providers.yaml (inCatalog) is changed there, not here.
func Set(dir string, b catalog.Budget, inCatalog []catalog.Budget) (string, error) {
	if slices.ContainsFunc(inCatalog, func(c catalog.Budget) bool { return c.Name == b.Name }) {
		return "", &UsageError{fmt.Errorf("budget %q is set in providers.yaml: change it there", b.Name)}
	}
	list, err := Load(dir)
	if err != nil {
		return "", &UsageError{err}
	}
	verb := "added"
	if i := slices.IndexFunc(list, func(c catalog.Budget) bool { return c.Name == b.Name }); i >= 0 {
		list[i], verb = b, "changed"
	} else {
		list = append(list, b)
	}
	return verb, Save(dir, list)
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
