package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/help"
	"github.com/tier-cli/tier/internal/keys"
)

type keysSetOptions struct {
	name        string
	insecure    bool
	noVerify    bool
	credit      string
	granted     string
	expires     string
	validDays   int
	rotateAfter string
}

func newKeysSetCmd(env *Env) *cobra.Command {
	o := &keysSetOptions{}
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
		RunE: func(cmd *cobra.Command, args []string) error { return runKeysSet(cmd.Context(), env, o, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", keys.DefaultName, "key name, to keep several keys per provider (use with --key)")
	f.BoolVar(&o.insecure, "insecure-storage", false, "store the key in a plaintext file instead of the keyring")
	f.BoolVar(&o.noVerify, "no-verify", false, "store the key without checking it against the provider")
	f.StringVar(&o.credit, "credit", "", "credit granted with the key, e.g. 5USD, $5, 1000000tokens")
	f.StringVar(&o.granted, "granted", "", "when the credit was granted, YYYY-MM-DD (default: today)")
	f.StringVar(&o.expires, "expires", "", "when the credit expires, YYYY-MM-DD")
	f.IntVar(&o.validDays, "valid-days", 0, "the credit expires this many days after --granted")
	f.StringVar(&o.rotateAfter, "rotate-after", "", "remind to rotate the key after this long: 90d, 12w, never (default 90d)")
	return cmd
}

func runKeysSet(ctx context.Context, env *Env, o *keysSetOptions, provider string) error {
	name := keys.NameOr(o.name)
	a := newApp(env)
	p, err := a.KeysProfile(provider)
	if err != nil {
		return err
	}
	opts := keys.SetOptions{NoVerify: o.noVerify, Insecure: o.insecure}
	if o.rotateAfter != "" {
		if opts.RotateAfter, err = keys.ParseRotateAfter(o.rotateAfter); err != nil {
			return usageErr(err)
		}
	}
	spec := keys.GrantSpec{Credit: o.credit, Granted: o.granted, Expires: o.expires, ValidDays: o.validDays}
	if opts.Grant, err = keys.NewGrant(spec, p, a.Now()); err != nil {
		return usageErr(err)
	}
	if opts.BaseURL, err = a.BaseURL(p); err != nil {
		if !o.noVerify {
			return err
		}
		opts.BaseURL = "" // stored pinned to no host; keys.WriteSet says so
	}
	m, err := a.KeyManager()
	if err != nil {
		return err
	}
	if !o.insecure {
		if err := m.KeyringReady(); err != nil {
			return keysErr(err, nil) // say so before asking for the key
		}
	}
	secret, err := readKey(env)
	if err != nil {
		return err
	}
	res, err := m.Set(ctx, p.Name, name, secret, opts)
	if err != nil {
		return keysErr(err, res.Verify)
	}
	keys.WriteSet(env.Stdout, env.Stderr, p.Name, name, res, opts.Grant, a.EnvOverride(p, name))
	return nil
}
