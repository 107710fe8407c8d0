package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/usage"
)

func newBudgetCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "budget",
		Short: "Set, list and remove tier's own budgets on its calls",
		Long: `Budgets cap what tier's own calls spend, checked before each call is sent: a hard budget
refuses (exit 7, nothing sent) a call whose worst case (the prompt plus --max-tokens, or 4096
tokens, at the catalog's price) would pass its limit; a soft one only alerts. Each alerts once
a period at each of its alert_at thresholds and at 100%, on stderr after the reply (--json:
"alerts"), and runs its alert_cmd with TIER_ALERT_* in the environment. See 'tier help budgets'.

'tier budget set' writes budgets.json in the config directory; budgets may also be listed
under budgets: in providers.yaml, which tier never writes.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newBudgetSetCmd(env), newBudgetListCmd(env), newBudgetRmCmd(env))
	return cmd
}

func newBudgetSetCmd(env *Env) *cobra.Command {
	var b catalog.Budget
	var alerts []int
	cmd := &cobra.Command{
		Use:   "set NAME --limit N [flags]",
		Short: "Add or change a budget (in budgets.json)",
		Example: `  tier budget set monthly --limit 20
  tier budget set ci --provider groq --key ci --limit 2 --period day
  tier budget set nightly --tag nightly --limit 500000 --unit tokens --mode soft --alert-cmd 'notify-send "$TIER_ALERT_MESSAGE"'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b.Name = args[0]
			if cmd.Flags().Changed("alert-at") {
				b.AlertAt = alerts
			}
			return budgetSet(env, b, cmd.Flags().Changed)
		},
	}
	f := cmd.Flags()
	f.Float64Var(&b.Limit, "limit", 0, "the limit, in --unit (required for a new budget)")
	f.StringVar(&b.Unit, "unit", "USD", "a currency (USD, EUR, ...) or tokens")
	f.StringVar(&b.Period, "period", "month", "day, week, month (calendar, local time) or total")
	f.StringVar(&b.Mode, "mode", "hard", "hard: refuse a call that could pass the limit; soft: alert only")
	f.StringVar(&b.Provider, "provider", "", "only calls to this provider")
	f.StringVar(&b.Key, "key", "", "only calls with this key of --provider")
	f.StringVar(&b.Tag, "tag", "", "only calls with this tag (--tag, TIER_TAG)")
	f.IntSliceVar(&alerts, "alert-at", catalog.DefaultAlerts, "percentages of the limit that alert, once a period each")
	f.StringVar(&b.AlertCmd, "alert-cmd", "", "command run (sh -c) at each alert, with TIER_ALERT_* set")
	return cmd
}

func budgetSet(env *Env, b catalog.Budget, given func(string) bool) error {
	a := newApp(env)
	cat, err := a.catalog()
	if err != nil {
		return err
	}
	if _, err := cat.Profile(b.Provider); b.Provider != "" && err != nil {
		return usageErr(err)
	}
	dir, err := catalog.ConfigDir(env.Getenv)
	if err != nil {
		return usageErr(err)
	}
	b, verb, err := budget.Set(dir, b, given, cat.Budgets)
	if err != nil {
		return err
	}
	b.Normalize()
	fmt.Fprintf(env.Stderr, "tier: budget %s %s: %s %s a %s (%s), %s\n", b.Name, verb, strconv.FormatFloat(b.Limit, 'f', -1, 64), b.Unit, b.Period, b.Mode, budget.Describe(b))
	return nil
}

func newBudgetRmCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "rm NAME",
		Short: "Remove a budget from budgets.json",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := catalog.ConfigDir(env.Getenv)
			if err != nil {
				return usageErr(err)
			}
			if err := budget.Remove(dir, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "tier: budget %s removed\n", args[0])
			return nil
		},
	}
}

func newBudgetListCmd(env *Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the budgets, what each has spent this period and when it resets",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a := newApp(env)
			cat, err := a.catalog()
			if err != nil {
				return err
			}
			st, err := a.store()
			if err != nil {
				return err
			}
			entries, err := a.budgetEntries(cat)
			if err != nil {
				return err
			}
			rows, err := budget.Statuses(usage.New(st.Dir), entries, a.now(), localZone(env))
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSONOut(env, struct {
					Budgets []budget.Status `json:"budgets"`
				}{rows})
			}
			if len(rows) == 0 {
				fmt.Fprintln(env.Stderr, "tier: no budgets: add one with 'tier budget set NAME --limit N'")
				return nil
			}
			var table [][]string
			for _, r := range rows {
				table = append(table, r.Cells())
			}
			th := env.theme(env.Stdout)
			return env.table(budget.StatusHeaders, table, th, nil)
		},
	}
	jsonFlag(cmd.Flags(), &asJSON, "print the budgets as JSON, with spent, percent and resets")
	return cmd
}
