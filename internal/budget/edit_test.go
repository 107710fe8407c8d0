package budget

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/tier-cli/tier/internal/catalog"
)

// flags is a given func: these flags were given.
func flags(names ...string) func(string) bool {
	return func(f string) bool { return slices.Contains(names, f) }
}

// Changing a budget changes only what was given: 'tier budget set ci
// --limit 5', as a refusal advises, keeps ci's scope, period, mode and
// alerts.
func TestSetChangesOnlyWhatIsGiven(t *testing.T) {
	ci := catalog.Budget{Name: "ci", Provider: "groq", Key: "ci", Limit: 2, Unit: "USD", Period: "day", Mode: "hard", AlertAt: []int{80}, AlertCmd: "notify"}
	for _, c := range []struct {
		name  string
		b     catalog.Budget
		given []string
		want  catalog.Budget
	}{
		{"limit", catalog.Budget{Limit: 5, Unit: "USD", Period: "month", Mode: "hard"}, []string{"limit"},
			catalog.Budget{Name: "ci", Provider: "groq", Key: "ci", Limit: 5, Unit: "USD", Period: "day", Mode: "hard", AlertAt: []int{80}, AlertCmd: "notify"}},
		{"period and mode", catalog.Budget{Period: "week", Mode: "soft"}, []string{"period", "mode"},
			catalog.Budget{Name: "ci", Provider: "groq", Key: "ci", Limit: 2, Unit: "USD", Period: "week", Mode: "soft", AlertAt: []int{80}, AlertCmd: "notify"}},
		{"another provider drops the key", catalog.Budget{Provider: "cerebras"}, []string{"provider"},
			catalog.Budget{Name: "ci", Provider: "cerebras", Limit: 2, Unit: "USD", Period: "day", Mode: "hard", AlertAt: []int{80}, AlertCmd: "notify"}},
		{"alerts", catalog.Budget{AlertAt: []int{50, 90}}, []string{"alert-at", "alert-cmd"},
			catalog.Budget{Name: "ci", Provider: "groq", Key: "ci", Limit: 2, Unit: "USD", Period: "day", Mode: "hard", AlertAt: []int{50, 90}}},
	} {
		dir := t.TempDir()
		if _, _, err := Set(dir, ci, flags("limit", "provider", "key", "period", "alert-at", "alert-cmd"), nil); err != nil {
			t.Fatal(err)
		}
		c.b.Name = "ci"
		got, verb, err := Set(dir, c.b, flags(c.given...), nil)
		if err != nil || verb != "changed" {
			t.Fatalf("%s: %q %v", c.name, verb, err)
		}
		saved, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c.want) || len(saved) != 1 || !reflect.DeepEqual(saved[0], c.want) {
			t.Errorf("%s: returned %+v, saved %+v, want %+v", c.name, got, saved, c.want)
		}
	}
}

// A new budget needs a limit; what is wrong is a usage error (exit 2).
func TestSetNewNeedsLimit(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		b     catalog.Budget
		given []string
	}{
		{catalog.Budget{Name: "new", Period: "day"}, []string{"period"}},
		{catalog.Budget{Name: "new", Limit: -1}, []string{"limit"}},
		{catalog.Budget{Name: "new", Limit: 1, Period: "year"}, []string{"limit", "period"}},
	} {
		if _, _, err := Set(dir, c.b, flags(c.given...), nil); !errors.As(err, new(*UsageError)) {
			t.Errorf("%+v: %v, want a usage error", c.b, err)
		}
	}
	if list, _ := Load(dir); len(list) != 0 {
		t.Errorf("saved %+v", list)
	}
}
