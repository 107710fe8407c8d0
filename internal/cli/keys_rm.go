package cli

import (
	"github.com/tier-cli/tier/internal/help"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/keys"
)

type keysRmOptions struct {
	name string
	all  bool
}

func newKeysRmCmd(env *Env) *cobra.Command {
	o := &keysRmOptions{}
	cmd := &cobra.Command{
		Use:     "rm PROVIDER",
		Aliases: []string{"remove"},
		Short:   "Remove a stored key (--all: every key of the provider)",
		Long:    help.KeysRm,
		Example: `  tier keys rm groq
  tier keys rm groq --name work
  tier keys rm groq --all`,
		Args: providerArg,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return completeKeyProviders(env, args, toComplete), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.all && cmd.Flags().Changed("name") {
				return usagef("give --name or --all, not both")
			}
			return newApp(env).RemoveKey(args[0], o.name, o.all, keyIO(env))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", keys.DefaultName, "key name")
	f.BoolVar(&o.all, "all", false, "remove every key of the provider")
	return cmd
}
