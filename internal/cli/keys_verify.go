package cli

import (
	"github.com/tier-cli/tier/internal/help"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/keys"
)

func newKeysTestCmd(env *Env) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "test PROVIDER",
		Short: "Check that the provider accepts its key (exit 0 works, 3 refused, 6 unreachable)",
		Long:  help.KeysTest,
		Example: `  tier keys test groq
  tier keys test groq --name work`,
		Args: providerArg,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return completeKeyProviders(env, args, toComplete), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return newApp(env).TestKey(cmd.Context(), args[0], name, env.Stdout)
		},
	}
	cmd.Flags().StringVar(&name, "name", keys.DefaultName, "key name")
	return cmd
}
