package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/catalog"
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
	c, err := newApp(env).catalog()
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

// keysProfile is the catalog profile of a provider whose key is managed.
func (a *app) keysProfile(name string) (*catalog.Profile, error) {
	c, err := a.catalog()
	if err != nil {
		return nil, err
	}
	p, err := c.Profile(name)
	if err != nil {
		return nil, usageErr(err)
	}
	if p.NoKey || p.Demo {
		return nil, usagef("%s needs no key: 'tier chat -p %s' works without one", p.Name, p.Name)
	}
	return p, nil
}

// keyProfiles is what listing and checking every key takes: the catalog's
// profiles with their base URLs resolved (catalog.Resolved: pins are
// checked against them) and the keys Manager.
func (a *app) keyProfiles() (map[string]*catalog.Profile, *keys.Manager, error) {
	c, err := a.catalog()
	if err != nil {
		return nil, nil, err
	}
	m, err := a.keyManager()
	if err != nil {
		return nil, nil, err
	}
	return c.Resolved(a.env.Getenv), m, nil
}

// baseURL is where keys of p are verified.
func (a *app) baseURL(p *catalog.Profile) (string, error) {
	base, err := p.ResolveBaseURL(a.env.Getenv)
	if err != nil {
		return "", usageErr(err)
	}
	return base, nil
}

// readKey reads a key from stdin or a hidden prompt (keys.ReadKey): a
// cancelled prompt is exit 130, any other failure bad usage.
func readKey(env *Env) (string, error) {
	s, err := keys.ReadKey(env.Stdin, env.isTerminal(env.Stdin), env.Stderr, env.Getenv)
	return s, usageErr(err)
}

// envOverride is the environment variable that overrides p's stored
// default key, "" if none is set.
func (a *app) envOverride(p *catalog.Profile, name string) string {
	v, _ := keys.EnvKey(p, name, a.env.Getenv)
	return v
}

// keyName is the key name --name gives: an empty name is the default key,
// as it is to the keys package, so messages and checks agree with it.
func keyName(name string) string {
	if name == "" {
		return keys.DefaultName
	}
	return name
}

func warnf(env *Env, format string, a ...any) {
	fmt.Fprintf(env.Stderr, "tier: warning: "+format+"\n", a...)
}

// reportVerify warns on stderr what a verification that did not succeed
// means for a key that was stored anyway (keys.UnverifiedWarning).
func reportVerify(env *Env, v *keys.VerifyResult, pinned, provider, name string) {
	if w := keys.UnverifiedWarning(v, pinned, provider, name); w != "" {
		warnf(env, "%s", w)
	}
}
