package cli

import (
	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/help"
	"github.com/tier-cli/tier/internal/keys"
)

func newKeysSetCmd(env *Env) *cobra.Command {
	o := &app.SetKey{}
	cmd := &cobra.Command{
		Use:   "set PROVIDER",
		Short: "Store a provider's key (read from stdin or a hidden prompt) after checking it",
		Long:  help.KeysSet,
		Example: `  pass show groq | tier keys set groq
  tier keys set groq --name work
  tier keys set deepseek --credit 5USD --granted 2026-11-01 --valid-days 30
  tier keys set sambanova --rotate-after 30d`,
		Args: providerArg,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return completeKeyProviders(env, args, toComplete), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Provider = args[0]
			return newApp(env).SetKey(cmd.Context(), *o, keyIO(env))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", keys.DefaultName, "key name, to keep several keys per provider (use with --key)")
	f.BoolVar(&o.Insecure, "insecure-storage", false, "store the key in a plaintext file instead of the keyring")
	f.BoolVar(&o.NoVerify, "no-verify", false, "store the key without checking it against the provider")
	f.StringVar(&o.Grant.Credit, "credit", "", "credit granted with the key, e.g. 5USD, $5, 1000000tokens")
	f.StringVar(&o.Grant.Granted, "granted", "", "when the credit was granted, YYYY-MM-DD (default: today)")
	f.StringVar(&o.Grant.Expires, "expires", "", "when the credit expires, YYYY-MM-DD")
	f.IntVar(&o.Grant.ValidDays, "valid-days", 0, "the credit expires this many days after --granted")
	f.StringVar(&o.RotateAfter, "rotate-after", "", "remind to rotate the key after this long: 90d, 12w, never (default 90d)")
	return cmd
}
