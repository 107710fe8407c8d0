package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/help"
)

func newUsageTopic(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "usage-log", Short: "The usage log: what is logged of every call, and where"}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) {
		fmt.Fprint(c.OutOrStdout(), help.Text("The usage log.", help.UsageLog()))
	})
	return cmd
}

func newBudgetsTopic(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "budgets", Short: "Budgets: scopes, limits, periods, modes, alerts, the worst case of a call"}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) {
		fmt.Fprint(c.OutOrStdout(), help.Text("Budgets on tier's own calls.", help.Budgets()))
	})
	return cmd
}
