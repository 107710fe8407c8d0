package cli

import (
	"strings"

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

// completeKeyProviders completes the providers that take a key (not the
// demo, nor no_key profiles: 'tier keys set demo' is an error).
func completeKeyProviders(env *Env, given []string, toComplete string) []string {
	c, err := newApp(env).Catalog()
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range completeProviders(env, given, toComplete) {
		name, _, _ := strings.Cut(s, "\t")
		if p := c.Providers[name]; p != nil && !p.NoKey && !p.Demo {
			out = append(out, s)
		}
	}
	return out
}

// keyIO is the keys operations' streams: the answer on stdout, notes on
// stderr, a new key read from stdin or a hidden prompt on a terminal.
func keyIO(env *Env) app.KeyIO {
	return app.KeyIO{Out: env.Stdout, Err: env.Stderr, ReadKey: func() (string, error) {
		return keys.ReadKey(env.Stdin, env.isTerminal(env.Stdin), env.Stderr, env.Getenv)
	}}
}
