package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/help"
)

// newJSONTopic is 'tier help json': the quota snapshot of 'tier chat
// --json' and 'tier quota --json' (help.JSON). The contract only grows by
// adding members.
func newJSONTopic(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "json",
		Short: "The JSON form of a quota snapshot",
	}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) {
		fmt.Fprint(c.OutOrStdout(), help.Text("The quota snapshot in --json output.", help.JSON()))
	})
	return cmd
}
