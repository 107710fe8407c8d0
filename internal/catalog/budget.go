package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// Budget is a cap tier keeps on its own calls (internal/budget checks
// it): in providers.yaml's budgets list or budgets.json (tier budget
// set). Its scope is every call, or those of a provider (and one of its
// keys) and/or a tag.
type Budget struct {
	// Name identifies the budget (tier budget rm NAME; alerts).
	Name     string `yaml:"name" json:"name"`
	Provider string `yaml:"provider,omitempty" json:"provider,omitempty"`
	Key      string `yaml:"key,omitempty" json:"key,omitempty"` // needs Provider
	Tag      string `yaml:"tag,omitempty" json:"tag,omitempty"`
	// Limit is in Unit: a currency (USD, EUR, ...) or "tokens".
	Limit float64 `yaml:"limit" json:"limit"`
	Unit  string  `yaml:"unit,omitempty" json:"unit,omitempty"` // default USD
	// Period is day, week, month (calendar, local time) or total.
	Period string `yaml:"period,omitempty" json:"period,omitempty"` // default month
	// Mode is hard (refuse a call that could pass the limit) or soft
	// (warn, send anyway).
	Mode string `yaml:"mode,omitempty" json:"mode,omitempty"` // default hard
	// AlertAt are the percentages of the limit that alert once a period.
	AlertAt []int `yaml:"alert_at,omitempty" json:"alert_at,omitempty"` // default 50, 80, 95
	// AlertCmd is run (sh -c) at each alert with TIER_ALERT_* in its
	// environment.
	AlertCmd string `yaml:"alert_cmd,omitempty" json:"alert_cmd,omitempty"`
}

// Budget periods and modes.
var (
	BudgetPeriods = []string{"day", "week", "month", "total"}
	BudgetModes   = []string{"hard", "soft"}
)

// DefaultAlerts are a budget's alert thresholds when it names none.
var DefaultAlerts = []int{50, 80, 95}

// Normalize fills b's defaults: unit USD, period month, mode hard, alerts
// at 50, 80 and 95 %.
func (b *Budget) Normalize() {
	if b.Unit == "" {
		b.Unit = "USD"
	}
	if b.Period == "" {
		b.Period = "month"
	}
	if b.Mode == "" {
		b.Mode = "hard"
	}
	if b.AlertAt == nil {
		b.AlertAt = slices.Clone(DefaultAlerts)
	}
}

// Tokens says the limit counts tokens, not money.
func (b *Budget) Tokens() bool { return b.Unit == "tokens" }

// Check says what is wrong with b, and in which field ("" when nothing).
func (b *Budget) Check() (field, msg string) {
	switch {
	case b.Name == "" || strings.ContainsAny(b.Name, " \t\n/"):
		return "name", "a budget needs a name without spaces or slashes"
	case !(b.Limit > 0):
		return "limit", fmt.Sprintf("limit must be more than 0, got %v", b.Limit)
	case b.Key != "" && b.Provider == "":
		return "key", "key names a key of a provider: give provider too"
	case b.Unit != "" && b.Unit != "tokens" && !isCurrency(b.Unit):
		return "unit", fmt.Sprintf("unit %q is neither tokens nor an ISO 4217 currency such as USD (in capitals)", b.Unit)
	case b.Period != "" && !slices.Contains(BudgetPeriods, b.Period):
		return "period", fmt.Sprintf("period %q is not one of %s", b.Period, strings.Join(BudgetPeriods, ", "))
	case b.Mode != "" && !slices.Contains(BudgetModes, b.Mode):
		return "mode", fmt.Sprintf("mode %q is not hard or soft", b.Mode)
	}
	for _, a := range b.AlertAt {
		if a <= 0 || a > 100 {
			return "alert_at", fmt.Sprintf("alert_at holds percentages from 1 to 100, got %d", a)
		}
	}
	return "", ""
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// budgets checks the catalog's budgets: each valid, names unique, a named
// provider known.
func (v *validator) budgets(c *Catalog) error {
	seen := map[string]bool{}
	for i := range c.Budgets {
		b := &c.Budgets[i]
		if field, msg := b.Check(); msg != "" {
			return v.errAt("", fmt.Sprintf("budgets[%d]: %s", i, msg), "budgets", i, field)
		}
		if seen[b.Name] {
			return v.errAt("", fmt.Sprintf("budgets[%d]: a second budget named %q", i, b.Name), "budgets", i, "name")
		}
		seen[b.Name] = true
		if b.Provider != "" {
			if _, ok := c.Providers[b.Provider]; !ok {
				return v.errAt("", fmt.Sprintf("budgets[%d]: unknown provider %q%s", i, b.Provider, suggest(b.Provider, sortedKeys(c.Providers))), "budgets", i, "provider")
			}
		}
	}
	return nil
}

// Alerts are the thresholds at which the provider's own rate-limit windows
// and credit alert, once per window: providers.yaml's
// alerts: {at: [50, 80, 95], cmd: "..."}.
type Alerts struct {
	// At are the percentages used that alert (default DefaultAlerts).
	At []int `yaml:"at,omitempty" json:"at,omitempty"`
	// Cmd is run (sh -c) at each alert with TIER_ALERT_* in its
	// environment, as a budget's alert_cmd.
	Cmd string `yaml:"cmd,omitempty" json:"cmd,omitempty"`
}

// Thresholds are a's percentages, sorted, each once (DefaultAlerts when
// it names none; none when a is nil).
func (a *Alerts) Thresholds() []int {
	if a == nil {
		return nil
	}
	at := slices.Clone(a.At)
	if len(at) == 0 {
		at = slices.Clone(DefaultAlerts)
	}
	slices.Sort(at)
	return slices.Compact(at)
}

// alerts checks the catalog's alerts: percentages from 1 to 100.
func (v *validator) alerts(c *Catalog) error {
	if c.Alerts == nil {
		return nil
	}
	for i, a := range c.Alerts.At {
		if a <= 0 || a > 100 {
			return v.errAt("", fmt.Sprintf("alerts.at holds percentages from 1 to 100, got %d", a), "alerts", "at", i)
		}
	}
	return nil
}
