package cli

import (
	"context"
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
		RunE: func(cmd *cobra.Command, args []string) error { return runKeysTest(cmd.Context(), env, args[0], name) },
	}
	cmd.Flags().StringVar(&name, "name", keys.DefaultName, "key name")
	return cmd
}

func runKeysTest(ctx context.Context, env *Env, provider, name string) error {
	name = keys.NameOr(name)
	a := newApp(env)
	p, err := a.KeysProfile(provider)
	if err != nil {
		return err
	}
	base, err := a.BaseURL(p)
	if err != nil {
		return err
	}
	m, err := a.KeyManager()
	if err != nil {
		return err
	}
	v, r, err := m.Test(ctx, p, name, base)
	if err != nil {
		return keysErr(err, nil)
	}
	what := keys.TestLabel(p.Name, name, r)
	if v.Status != keys.VerifyOK {
		return v.Err(what)
	}
	keys.WriteTest(env.Stdout, what, v, r)
	return nil
}
