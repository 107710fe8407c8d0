package cli

import (
	"fmt"
	"github.com/tier-cli/tier/internal/help"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/catalog"
)

func newBudgetCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "budget",
		Short: "Set, list and remove tier's own budgets on its calls",
		Long:  help.Budget,
		Args:  cobra.NoArgs,
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
			return newApp(env).SetBudget(b, cmd.Flags().Changed, env.Stderr)
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

func newBudgetRmCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "rm NAME",
		Short: "Remove a budget from budgets.json",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return newApp(env).RemoveBudget(args[0], env.Stderr)
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
			rows, err := a.BudgetStatuses(a.Now())
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
			return env.table(budget.StatusHeaders, budget.Table(rows), env.theme(env.Stdout), nil)
		},
	}
	jsonFlag(cmd.Flags(), &asJSON, "print the budgets as JSON, with spent, percent and resets")
	return cmd
}
