package cli

import (
	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/help"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/keys"
)

func newKeysRotateCmd(env *Env) *cobra.Command {
	o := &app.RotateKey{}
	cmd := &cobra.Command{
		Use:   "rotate PROVIDER",
		Short: "Replace a stored key with a new one, keeping the old one for --rollback",
		Long:  help.KeysRotate,
		Example: `  pass show groq-new | tier keys rotate groq
  tier keys rotate groq --rollback`,
		Args: providerArg,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return completeKeyProviders(env, args, toComplete), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Rollback && o.NoVerify {
				return usagef("--rollback reads no new key, so --no-verify has no meaning with it")
			}
			o.Provider = args[0]
			return newApp(env).RotateKey(cmd.Context(), *o, keyIO(env))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", keys.DefaultName, "key name")
	f.BoolVar(&o.NoVerify, "no-verify", false, "replace the key without checking the new one")
	f.BoolVar(&o.Rollback, "rollback", false, "restore the key the last rotation replaced")
	return cmd
}
