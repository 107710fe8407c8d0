package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/keys"
)

func newKeysTestCmd(env *Env) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "test PROVIDER",
		Short: "Check that the provider accepts its key (exit 0 works, 3 refused, 6 unreachable)",
		Long: `Check the key tier would use for a provider (from whichever source wins, see 'tier keys')
with GET {base_url}/models, which spends no quota. A stored key that passes is recorded as
verified for that host: this is also how a key is allowed to go to a host other than the one it
was first verified for, after a profile's base URL changed.

Exit status: 0 the key works; 3 no key, or the provider refused it (401, 403); 6 the provider
could not be reached (network, timeout, 5xx); 4 rate limited (429) and 5 out of credit (402), so
the key could not be checked; 2 any other answer (e.g. 404: check the profile's base_url).`,
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
	name = keyName(name)
	a := newApp(env)
	p, err := a.keysProfile(provider)
	if err != nil {
		return err
	}
	base, err := a.baseURL(p)
	if err != nil {
		return err
	}
	m, err := a.keyManager()
	if err != nil {
		return err
	}
	v, r, err := m.Test(ctx, p, name, base)
	if err != nil {
		return keysErr(err, nil)
	}
	what := fmt.Sprintf("%s (%s from %s)", keys.Label(p.Name, name), keys.Fingerprint(r.Key), r.Source)
	if v.Status == keys.VerifyOK {
		fmt.Fprintf(env.Stdout, "OK: %s works: %s.\n", what, v.Message)
		switch {
		case !r.Source.Stored() || r.Host == v.Host:
		case r.Host == "":
			fmt.Fprintf(env.Stdout, "The key is now verified for %s and pinned to it (it was not verified for any host).\n", v.Host)
		default:
			fmt.Fprintf(env.Stdout, "The key is now verified for %s (it was pinned to %s).\n", v.Host, r.Host)
		}
		return nil
	}
	return v.Err(what)
}
