package cli

import (
	"context"
	"fmt"

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
		Long: `Replace a stored key with a new one: create the new key at the provider first, then run this and
paste it (or pipe it in, as for 'tier keys set'). The new key is verified first; if the provider
refuses it or cannot be reached, nothing changes. Then the current key is kept as the previous
one and the new key takes its place in one step, so there is a working key at every moment.

--rollback makes the previous key the active one again (and keeps the replacing key as the
previous one). A second --rollback in a row is refused: to use the replacing key again, paste it
into 'tier keys rotate'. Revoke the old key at the provider once the new one works.`,
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
	o.name = keyName(o.name)
	if o.rollback && o.noVerify {
		return usagef("--rollback reads no new key, so --no-verify has no meaning with it")
	}
	a := newApp(env)
	p, err := a.keysProfile(provider)
	if err != nil {
		return err
	}
	m, err := a.keyManager()
	if err != nil {
		return err
	}
	if o.rollback {
		res, err := m.Rollback(p.Name, o.name)
		if err != nil {
			return keysErr(err, nil)
		}
		fmt.Fprintf(env.Stdout, "Rolled back: %s is %s again; %s is kept as the previous key.\n",
			keys.Label(p.Name, o.name), res.Fingerprint, res.PreviousFingerprint)
		if v := a.envOverride(p, o.name); v != "" {
			warnf(env, "%s is set and overrides the stored key: unset it to use the stored one", v)
		}
		return nil
	}
	opts := keys.RotateOptions{NoVerify: o.noVerify}
	if opts.BaseURL, err = a.baseURL(p); err != nil {
		if !o.noVerify {
			return err
		}
		opts.BaseURL = ""
	}
	secret, err := readKey(env)
	if err != nil {
		return err
	}
	res, err := m.Rotate(ctx, p.Name, o.name, secret, opts)
	if err != nil {
		return keysErr(err, res.Verify)
	}
	fmt.Fprintf(env.Stdout, "Rotated %s: %s is in use; the previous key %s is kept ('%s --rollback' restores it).\n",
		keys.Label(p.Name, o.name), res.Fingerprint, res.PreviousFingerprint, keys.CmdLine("rotate", p.Name, o.name))
	if v := res.Verify; v != nil && v.Status == keys.VerifyOK {
		fmt.Fprintf(env.Stdout, "Verified: %s.\n", v.Message)
	}
	reportVerify(env, res.Verify, res.PinnedHost, p.Name, o.name)
	if v := a.envOverride(p, o.name); v != "" {
		warnf(env, "%s is set and overrides the stored key: unset it to use the new one", v)
	}
	return nil
}
