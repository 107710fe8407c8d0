package cli

import (
	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/help"
	"github.com/tier-cli/tier/internal/keys"
)

func newKeysCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Store, list, rotate, test and remove API keys (in the OS keyring)",
		Long:  help.Keys,
		Example: `  pass show groq | tier keys set groq
  tier keys set deepseek --credit 5USD --valid-days 30
  tier keys list --all
  tier keys rotate groq          # paste the new key; the old one is kept
  tier keys rotate groq --rollback
  tier keys doctor`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for 'tier keys' (see 'tier keys --help')", args[0])
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(newKeysSetCmd(env), newKeysListCmd(env), newKeysRotateCmd(env),
		newKeysRmCmd(env), newKeysTestCmd(env), newKeysDoctorCmd(env))
	return cmd
}

// providerArg is the one PROVIDER argument of a keys command.
func providerArg(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usagef("give one provider: '%s PROVIDER' (see 'tier keys list --all')", cmd.CommandPath())
	}
	return nil
}

// completeKeyProviders completes the providers that take a key.
func completeKeyProviders(env *Env, given []string, toComplete string) []string {
	return newApp(env).ProviderCompletions(given, toComplete, true)
}

// keyIO is the keys operations' streams: the answer on stdout, notes on
// stderr, a new key read from stdin or a hidden prompt on a terminal.
func keyIO(env *Env) app.KeyIO {
	return app.KeyIO{Out: env.Stdout, Err: env.Stderr, ReadKey: func() (string, error) {
		return keys.ReadKey(env.Stdin, env.isTerminal(env.Stdin), env.Stderr, env.Getenv)
	}}
}
