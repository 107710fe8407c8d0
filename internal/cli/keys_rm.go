package cli

import (
	"fmt"
	"strings"

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
		Long: `Remove a stored key, with the previous key a rotation kept, from the keyring and the plaintext
file, and forget what tier recorded about it. --all removes every key of the provider. An
environment variable or key_cmd that supplies a key is not touched (tier says so).`,
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
	o.name = keyName(o.name)
	a := newApp(env)
	c, err := a.catalog()
	if err != nil {
		return err
	}
	m, err := a.keyManager()
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
	if o.all {
		if err := m.RemoveAll(provider); err != nil {
			return keysErr(err, nil)
		}
		fmt.Fprintf(env.Stdout, "Removed every stored key of %s.\n", provider)
	} else {
		fp := ""
		if k := all[provider][o.name]; k != nil {
			fp = " (" + k.Fingerprint + ")"
		}
		if err := m.Remove(provider, o.name); err != nil {
			return keysErr(err, nil)
		}
		fmt.Fprintf(env.Stdout, "Removed %s%s.\n", keys.Label(provider, o.name), fp)
	}
	if p != nil && (o.all || o.name == keys.DefaultName) {
		if v := a.envOverride(p, keys.DefaultName); v != "" {
			fmt.Fprintf(env.Stderr, "tier: %s still supplies a key for %s\n", v, provider)
		} else if strings.TrimSpace(p.KeyCmd) != "" {
			fmt.Fprintf(env.Stderr, "tier: the key_cmd of %s still supplies a key\n", provider)
		}
	}
	return nil
}
