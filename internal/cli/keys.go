package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/keys"
)

func newKeysCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Store, list, rotate, test and remove API keys (in the OS keyring)",
		Long: `Manage the API keys tier sends to providers.

Where a key comes from, first match wins:

1. the profile's environment variable (e.g. GROQ_API_KEY), for the default key only;
2. the OS keyring: service "tier:PROVIDER", user = the key name ("default" unless --name);
3. the plaintext file written by 'tier keys set --insecure-storage' (only when asked for);
4. the profile's key_cmd (e.g. "pass show groq"), for the default key only. It runs with stdin
   at /dev/null in a process group of its own, killed with everything it started after 10s;
   its stderr is not shown unless it fails (then a few lines, with anything like a key redacted).

'tier keys list' and 'tier keys doctor' say which source wins for each provider; chat, quota and
models take --key NAME to use a named key.

Keys are read from stdin when it is not a terminal ('pass show groq | tier keys set groq'),
otherwise from a hidden prompt; never from the command line. Only a fingerprint (the last 4
characters, as …a1b2) is ever shown or recorded; what tier records about a key (dates, the host
it was verified for, its rotation period, a credit grant) lives in the state directory.

A stored key is pinned to the API host that accepted it (a key stored unverified, to the host it
was stored for), and the pin is kept with the key in its keyring item, so losing the state
directory does not unpin it. If the profile's base URL later points at another host, tier refuses
to send the key there until 'tier keys test PROVIDER' verifies it for the new host; a key with no
host on record (put in the keyring by another program, or by an older tier whose record is lost)
is sent nowhere until 'tier keys test' verifies it. Run 'tier keys test' only for a host you trust. A key older than its rotation period (default 90 days) gets a one-line reminder
on stderr, at most once a day.

Every keyring call has a timeout. On Linux and the BSDs the keyring is the Secret Service over the
D-Bus session bus; with no session bus tier does not try it and says so. TIER_NO_KEYRING=1 turns
the keyring off. tier never falls back to plaintext on its own.`,
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
