package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/catalog"
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
	o.name = keyName(o.name)
	a := newApp(env)
	p, err := a.keysProfile(provider)
	if err != nil {
		return err
	}
	opts := keys.SetOptions{NoVerify: o.noVerify, Insecure: o.insecure}
	if o.rotateAfter != "" {
		if opts.RotateAfter, err = parseRotateAfter(o.rotateAfter); err != nil {
			return err
		}
	}
	if opts.Grant, err = o.grant(p, a.now()); err != nil {
		return err
	}
	if opts.BaseURL, err = a.baseURL(p); err != nil {
		if !o.noVerify {
			return err
		}
		opts.BaseURL = "" // stored pinned to no host; reportVerify says so
	}
	m, err := a.keyManager()
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
	res, err := m.Set(ctx, p.Name, o.name, secret, opts)
	if err != nil {
		return keysErr(err, res.Verify)
	}
	where := "in the keyring"
	if res.Backend == keys.BackendFile {
		where = "in " + res.Path
		fmt.Fprintf(env.Stderr, "tier: %s\n", keys.InsecureWarning(res.Path))
	}
	if v := res.Verify; v == nil || v.Status != keys.VerifyOK {
		where += ", unverified"
	}
	fmt.Fprintf(env.Stdout, "Stored %s (%s) %s.\n", keys.Label(p.Name, o.name), res.Fingerprint, where)
	switch {
	case res.PreviousKept:
		fmt.Fprintf(env.Stderr, "tier: this replaced the key %s, kept as the previous key ('%s --rollback' restores it)\n",
			res.PreviousFingerprint, keys.CmdLine("rotate", p.Name, o.name))
	case res.PreviousFingerprint != "":
		fmt.Fprintf(env.Stderr, "tier: this replaced the key %s\n", res.PreviousFingerprint)
	}
	if v := res.Verify; v != nil && v.Status == keys.VerifyOK {
		fmt.Fprintf(env.Stdout, "Verified: %s; the key is pinned to %s.\n", v.Message, v.Host)
	}
	if g := opts.Grant; g != nil {
		fmt.Fprintf(env.Stdout, "Credit: %s.\n", g.Describe())
	}
	reportVerify(env, res.Verify, res.PinnedHost, p.Name, o.name)
	if v := a.envOverride(p, o.name); v != "" {
		warnf(env, "%s is set and overrides this key: unset it to use the stored one", v)
	}
	return nil
}

// parseRotateAfter reads --rotate-after: 90d, 12w, 36h or never.
func parseRotateAfter(s string) (time.Duration, error) {
	d, err := keys.ParseDuration(s)
	if err != nil {
		return 0, usagef("--rotate-after: %v", err)
	}
	if d == 0 {
		return 0, usagef("--rotate-after must be longer than 0: write e.g. 90d, or never to turn the reminder off")
	}
	return d, nil
}

// grant builds the credit grant of --credit, --granted, --expires and
// --valid-days (keys.NewGrant); nil without --credit.
func (o *keysSetOptions) grant(p *catalog.Profile, now time.Time) (*keys.Grant, error) {
	g, err := keys.NewGrant(keys.GrantSpec{Credit: o.credit, Granted: o.granted, Expires: o.expires, ValidDays: o.validDays}, p, now)
	if err != nil {
		return nil, usageErr(err)
	}
	return g, nil
}
