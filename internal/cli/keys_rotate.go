package cli

import (
	"context"
	"github.com/tier-cli/tier/internal/help"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/keys"
)

type keysRotateOptions struct {
	name     string
	noVerify bool
	rollback bool
}

func newKeysRotateCmd(env *Env) *cobra.Command {
	o := &keysRotateOptions{}
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
		RunE: func(cmd *cobra.Command, args []string) error { return runKeysRotate(cmd.Context(), env, o, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", keys.DefaultName, "key name")
	f.BoolVar(&o.noVerify, "no-verify", false, "replace the key without checking the new one")
	f.BoolVar(&o.rollback, "rollback", false, "restore the key the last rotation replaced")
	return cmd
}

func runKeysRotate(ctx context.Context, env *Env, o *keysRotateOptions, provider string) error {
	name := keys.NameOr(o.name)
	if o.rollback && o.noVerify {
		return usagef("--rollback reads no new key, so --no-verify has no meaning with it")
	}
	a := newApp(env)
	p, err := a.KeysProfile(provider)
	if err != nil {
		return err
	}
	m, err := a.KeyManager()
	if err != nil {
		return err
	}
	if o.rollback {
		res, err := m.Rollback(p.Name, name)
		if err != nil {
			return keysErr(err, nil)
		}
		keys.WriteRollback(env.Stdout, env.Stderr, p.Name, name, res, a.EnvOverride(p, name))
		return nil
	}
	opts := keys.RotateOptions{NoVerify: o.noVerify}
	if opts.BaseURL, err = a.BaseURL(p); err != nil {
		if !o.noVerify {
			return err
		}
		opts.BaseURL = ""
	}
	secret, err := readKey(env)
	if err != nil {
		return err
	}
	res, err := m.Rotate(ctx, p.Name, name, secret, opts)
	if err != nil {
		return keysErr(err, res.Verify)
	}
	keys.WriteRotate(env.Stdout, env.Stderr, p.Name, name, res, a.EnvOverride(p, name))
	return nil
}
