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
			return runKeysRm(env, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", keys.DefaultName, "key name")
	f.BoolVar(&o.all, "all", false, "remove every key of the provider")
	return cmd
}

func runKeysRm(env *Env, o *keysRmOptions, provider string) error {
	name := keys.NameOr(o.name)
	a := newApp(env)
	c, err := a.Catalog()
	if err != nil {
		return err
	}
	m, err := a.KeyManager()
	if err != nil {
		return err
	}
	all, err := m.AllMeta()
	if err != nil {
		return keysErr(err, nil)
	}
	// A provider gone from the catalog can still have its keys removed.
	p, perr := c.Profile(provider)
	if perr != nil && all[provider] == nil {
		return usageErr(perr)
	}
	if p != nil && (p.NoKey || p.Demo) {
		return usagef("%s needs no key: there is nothing to remove", p.Name)
	}
	fp := ""
	if o.all {
		err = m.RemoveAll(provider)
	} else {
		if k := all[provider][name]; k != nil {
			fp = k.Fingerprint
		}
		err = m.Remove(provider, name)
	}
	if err != nil {
		return keysErr(err, nil)
	}
	override := ""
	if p != nil {
		override = a.EnvOverride(p, keys.DefaultName)
	}
	keys.WriteRemoved(env.Stdout, env.Stderr, p, provider, name, fp, o.all, override)
	return nil
}
