package cli

import (
	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/jq"
)

// jqState is a run's --jq: the compiled filter, and whether it failed on
// the output (a usage error, exit 2, once the command is done).
type jqState struct {
	filter *jq.Filter
	failed error
}

// addJQFlags gives every command that has --json a --jq EXPR (gh's flag):
// it implies --json and filters what the command prints as JSON through
// the expression (writeJSON), strings printed raw. The expression is
// compiled before the command runs: a bad one is a usage error (exit 2)
// and nothing is read, asked or spent.
func addJQFlags(root *cobra.Command, env *Env) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.Flags().Lookup("json") == nil || c.Flags().Lookup("jq") != nil {
			return
		}
		var expr string
		c.Flags().StringVar(&expr, "jq", "", "filter the JSON output through a jq expression (implies --json; strings print raw)")
		prevPre, prevPost := c.PreRunE, c.PostRunE
		c.PreRunE = func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("jq") {
				f, err := jq.Compile(expr)
				if err != nil {
					return usagef("--jq: %v", oneLine(err.Error()))
				}
				if err := cmd.Flags().Set("json", "true"); err != nil {
					return err
				}
				env.jq = &jqState{filter: f}
			}
			if prevPre != nil {
				return prevPre(cmd, args)
			}
			return nil
		}
		c.PostRunE = func(cmd *cobra.Command, args []string) error {
			if env.jq != nil && env.jq.failed != nil {
				return silent(usageErr(env.jq.failed)) // said when it failed
			}
			if prevPost != nil {
				return prevPost(cmd, args)
			}
			return nil
		}
	}
	walk(root)
}
