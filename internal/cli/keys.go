package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/lazyre"
	"github.com/tier-cli/tier/internal/ui"
)

func init() { commands = append(commands, newKeysCmd) }

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
				return Exitf(ExitUsage, "unknown command %q for 'tier keys' (see 'tier keys --help')", args[0])
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
		return Exitf(ExitUsage, "give one provider: '%s PROVIDER' (see 'tier keys list --all')", cmd.CommandPath())
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
		return nil, Exitf(ExitUsage, "%s needs no key: 'tier chat -p %s' works without one", p.Name, p.Name)
	}
	return p, nil
}

// keyProfiles is the catalog's profiles with their base URLs resolved from
// the environment where they can be (keys check the host pin against them).
func (a *app) keyProfiles() (map[string]*catalog.Profile, error) {
	c, err := a.catalog()
	if err != nil {
		return nil, err
	}
	out := make(map[string]*catalog.Profile, len(c.Providers))
	for name, p := range c.Providers {
		if p == nil {
			continue
		}
		cp := *p
		if base, err := p.ResolveBaseURL(a.env.Getenv); err == nil {
			cp.BaseURL = base
		}
		out[name] = &cp
	}
	return out, nil
}

// baseURL is where keys of p are verified.
func (a *app) baseURL(p *catalog.Profile) (string, error) {
	base, err := p.ResolveBaseURL(a.env.Getenv)
	if err != nil {
		return "", usageErr(err)
	}
	return base, nil
}

// readKeySecret reads a key the way every keys command does: a hidden
// prompt on a terminal (Ctrl-C, Ctrl-D on an empty line or Esc cancel it:
// exit 130), else the one line on stdin. A stdin that sends
// nothing within TIER_STDIN_TIMEOUT (default 30s) is given up on, as in
// 'tier chat'.
func readKeySecret(env *Env) (string, error) {
	if env.Stdin == nil {
		return "", Exitf(ExitUsage, "no stdin to read the key from: pipe it in")
	}
	if isTerminalReader(env.Stdin) {
		s, err := keys.ReadSecret(env.Stdin, true, env.Stderr)
		if errors.Is(err, keys.ErrCancelled) {
			return "", &ExitError{Code: ExitInterrupted, Err: err}
		}
		if err != nil {
			return "", usageErr(err)
		}
		return s, nil
	}
	grace, err := stdinTimeout(env.Getenv, stdinGraceNoArgs)
	if err != nil {
		return "", err
	}
	data, timedOut, err := readWithFirstByteTimeout(io.LimitReader(env.Stdin, 4*keys.MaxSecretLen+1), grace)
	if timedOut {
		return "", Exitf(ExitUsage, "no key arrived on stdin within %s: pipe it in (e.g. 'pass show groq | tier keys set groq'), run the command in a terminal to be prompted, or set TIER_STDIN_TIMEOUT=0", grace)
	}
	if err != nil {
		return "", Exitf(ExitUsage, "cannot read the key from stdin: %s", oneLine(err.Error()))
	}
	s, err := keys.ReadSecret(bytes.NewReader(data), false, nil)
	if err != nil {
		return "", usageErr(err)
	}
	return s, nil
}

// keysErr maps an error of a keys operation to its exit code: 3 for a key
// refused or missing, 6 for a provider that could not be reached, 2 for
// the rest: bad input or configuration, a keyring that cannot be used or
// does not answer included (the message says what to fix).
func keysErr(err error, v *keys.VerifyResult) error {
	var ee *ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		return err
	case errors.Is(err, context.Canceled):
		return &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted")}
	case errors.Is(err, keys.ErrRefused), errors.Is(err, keys.ErrNoKey), errors.Is(err, keys.ErrNotStored):
		return &ExitError{Code: ExitAuth, Err: err}
	case v != nil && v.Status == keys.VerifyUnreachable:
		return &ExitError{Code: ExitNetwork, Err: err}
	}
	return &ExitError{Code: ExitUsage, Err: err}
}

// envOverride is the environment variable that overrides p's stored
// default key, "" if none is set.
func (a *app) envOverride(p *catalog.Profile, name string) string {
	if name != keys.DefaultName {
		return ""
	}
	for _, v := range p.KeyEnv {
		if strings.TrimSpace(a.env.Getenv(v)) != "" {
			return v
		}
	}
	return ""
}

// keyName is the key name --name gives: an empty name is the default key,
// as it is to the keys package, so messages and checks agree with it.
func keyName(name string) string {
	if name == "" {
		return keys.DefaultName
	}
	return name
}

// keyLabel names a key in messages: `the key for groq` or `the key "work"
// for groq`.
func keyLabel(provider, name string) string {
	if name == keys.DefaultName {
		return "the key for " + provider
	}
	return fmt.Sprintf("the key %q for %s", name, provider)
}

func keysCmdLine(verb, provider, name string) string {
	s := "tier keys " + verb + " " + provider
	if name != keys.DefaultName {
		s += " --name " + name
	}
	return s
}

func warnf(env *Env, format string, a ...any) {
	fmt.Fprintf(env.Stderr, "tier: warning: "+format+"\n", a...)
}

// reportVerify says on stderr what a verification that did not succeed
// means for a key that was stored anyway, and where it may be sent.
func reportVerify(env *Env, v *keys.VerifyResult, pinned, provider, name string) {
	test := keysCmdLine("test", provider, name)
	pin := "it is pinned to " + pinned + " and goes nowhere else"
	if pinned == "" {
		pin = "it is pinned to no host, so tier will not send it until '" + test + "' verifies it"
	}
	switch {
	case v == nil:
		warnf(env, "stored unverified (--no-verify); %s: run '%s' to check it", pin, test)
	case v.Status == keys.VerifyUnreachable:
		warnf(env, "stored unverified: host unreachable (%s); %s: run '%s' to check it", v.Message, pin, test)
	case v.Status != keys.VerifyOK:
		warnf(env, "stored unverified: %s; %s: run '%s' to check it later", v.Message, pin, test)
	}
}

// ---- tier keys set

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
		Long: `Store a provider's key in the OS keyring. The key is read from stdin when stdin is not a
terminal, otherwise from a hidden prompt; there is no flag that takes a key.

At the hidden prompt, Enter ends the key; Ctrl-C, Ctrl-D on an empty line and Esc cancel it
(exit 130), and nothing is stored.

First the key is verified: GET {base_url}/models with the key, which spends no quota. A key the
provider refuses (401 or 403) is not stored (exit 3); with no usable keyring nothing is asked
or stored (exit 2: store the key another way, see 'tier keys doctor'). When the provider cannot be reached or
cannot tell (no /models, 429), the key is stored unverified with a warning. --no-verify skips
the check. A verified key is pinned to the host that accepted it, an unverified one to the host
it was stored for. A key this replaces is kept as the previous key, as 'tier keys rotate' does,
so that 'tier keys rotate PROVIDER --rollback' restores it.

--credit records a credit grant that came with the key, for tier quota's credit and expiry
countdowns: an amount and a unit (5USD, "$5", 1000000tokens; a bare number takes the unit of the
provider's published grant, else USD). --granted is when it was granted (default: today). Its
expiry is recorded only when you say it: --expires DATE, or --valid-days N from --granted; tier
does not guess one. DATEs are YYYY-MM-DD (midnight, local time) or RFC 3339.

--rotate-after sets how old the key may get before tier reminds you to rotate it (default 90d;
e.g. 30d, 12w, never).

--insecure-storage writes the key to a plaintext file readable only by you (keys.insecure.json in
the config directory), for machines without a usable keyring; 'tier keys list' marks such keys.`,
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
	secret, err := readKeySecret(env)
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
	fmt.Fprintf(env.Stdout, "Stored %s (%s) %s.\n", keyLabel(p.Name, o.name), res.Fingerprint, where)
	switch {
	case res.PreviousKept:
		fmt.Fprintf(env.Stderr, "tier: this replaced the key %s, kept as the previous key ('%s --rollback' restores it)\n",
			res.PreviousFingerprint, keysCmdLine("rotate", p.Name, o.name))
	case res.PreviousFingerprint != "":
		fmt.Fprintf(env.Stderr, "tier: this replaced the key %s\n", res.PreviousFingerprint)
	}
	if v := res.Verify; v != nil && v.Status == keys.VerifyOK {
		fmt.Fprintf(env.Stdout, "Verified: %s; the key is pinned to %s.\n", v.Message, v.Host)
	}
	if g := opts.Grant; g != nil {
		fmt.Fprintf(env.Stdout, "Credit: %s.\n", describeGrant(g))
	}
	reportVerify(env, res.Verify, res.PinnedHost, p.Name, o.name)
	if v := a.envOverride(p, o.name); v != "" {
		warnf(env, "%s is set and overrides this key: unset it to use the stored one", v)
	}
	return nil
}

func describeGrant(g *keys.Grant) string {
	s := formatAmount(g.Amount) + " " + g.Unit
	if !g.Granted.IsZero() {
		s += " granted " + g.Granted.Local().Format("2006-01-02")
	}
	if g.Expires.IsZero() {
		s += ", no expiry recorded"
	} else {
		s += ", expires " + g.Expires.Local().Format("2006-01-02")
	}
	return s
}

func formatAmount(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// parseRotateAfter reads --rotate-after: 90d, 12w, 36h or never.
func parseRotateAfter(s string) (time.Duration, error) {
	d, err := keys.ParseDuration(s)
	if err != nil {
		return 0, Exitf(ExitUsage, "--rotate-after: %v", err)
	}
	if d == 0 {
		return 0, Exitf(ExitUsage, "--rotate-after must be longer than 0: write e.g. 90d, or never to turn the reminder off")
	}
	return d, nil
}

// grant builds the credit grant of --credit, --granted, --expires and
// --valid-days; nil without --credit.
func (o *keysSetOptions) grant(p *catalog.Profile, now time.Time) (*keys.Grant, error) {
	if o.credit == "" {
		for flag, set := range map[string]bool{"--granted": o.granted != "", "--expires": o.expires != "", "--valid-days": o.validDays != 0} {
			if set {
				return nil, Exitf(ExitUsage, "%s needs --credit: say how much was granted, e.g. --credit 5USD", flag)
			}
		}
		return nil, nil
	}
	amount, unit, err := parseCredit(o.credit, defaultCreditUnit(p))
	if err != nil {
		return nil, err
	}
	g := &keys.Grant{Amount: amount, Unit: unit, Granted: now.UTC().Truncate(time.Second)}
	if o.granted != "" {
		if g.Granted, err = parseDate("--granted", o.granted); err != nil {
			return nil, err
		}
	}
	switch {
	case o.expires != "" && o.validDays != 0:
		return nil, Exitf(ExitUsage, "give --expires or --valid-days, not both")
	case o.validDays < 0:
		return nil, Exitf(ExitUsage, "--valid-days must be a positive number of days")
	case o.validDays > 0:
		g.Expires = g.Granted.Local().AddDate(0, 0, o.validDays).UTC()
	case o.expires != "":
		if g.Expires, err = parseDate("--expires", o.expires); err != nil {
			return nil, err
		}
	}
	if !g.Expires.IsZero() && !g.Expires.After(g.Granted) {
		return nil, Exitf(ExitUsage, "the credit would expire (%s) before it was granted (%s): check --expires and --granted",
			g.Expires.Local().Format("2006-01-02"), g.Granted.Local().Format("2006-01-02"))
	}
	return g, nil
}

// defaultCreditUnit is the unit of p's published credit grant, else USD.
func defaultCreditUnit(p *catalog.Profile) string {
	for _, g := range p.Credits {
		if g.Unit != "" {
			return g.Unit
		}
	}
	return "USD"
}

var creditPattern = lazyre.New(`^([$€£]?)\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`)

// parseCredit reads an amount with an optional unit: 5USD, "5 usd", "$5",
// "€2.50", 1000000tokens; a bare number takes defUnit.
func parseCredit(s, defUnit string) (float64, string, error) {
	bad := func() (float64, string, error) {
		return 0, "", Exitf(ExitUsage, "--credit %q: write an amount and a unit, e.g. 5USD, $5 or 1000000tokens", s)
	}
	m := creditPattern().FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return bad()
	}
	amount, err := strconv.ParseFloat(m[2], 64)
	if err != nil || amount <= 0 || math.IsInf(amount, 0) {
		return bad()
	}
	symbol, unit := m[1], m[3]
	if symbol != "" && unit != "" {
		return bad()
	}
	switch symbol {
	case "$":
		return amount, "USD", nil
	case "€":
		return amount, "EUR", nil
	case "£":
		return amount, "GBP", nil
	}
	switch lu := strings.ToLower(unit); {
	case lu == "":
		unit = defUnit
	case lu == "token" || lu == "tokens":
		unit = "tokens"
	case lu == "dollar" || lu == "dollars":
		unit = "USD"
	case len(lu) == 3:
		if unit, err = catalog.CurrencyCode(lu); err != nil {
			return 0, "", Exitf(ExitUsage, "--credit %q: %v", s, err)
		}
	default:
		unit = lu
	}
	return amount, unit, nil
}

// parseDate reads YYYY-MM-DD (midnight, local time) or RFC 3339.
func parseDate(flag, s string) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Second), nil
	}
	return time.Time{}, Exitf(ExitUsage, "%s %q is not a date: write YYYY-MM-DD", flag, s)
}

// ---- tier keys rotate

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
		return Exitf(ExitUsage, "--rollback reads no new key, so --no-verify has no meaning with it")
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
			keyLabel(p.Name, o.name), res.Fingerprint, res.PreviousFingerprint)
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
	secret, err := readKeySecret(env)
	if err != nil {
		return err
	}
	res, err := m.Rotate(ctx, p.Name, o.name, secret, opts)
	if err != nil {
		return keysErr(err, res.Verify)
	}
	fmt.Fprintf(env.Stdout, "Rotated %s: %s is in use; the previous key %s is kept ('%s --rollback' restores it).\n",
		keyLabel(p.Name, o.name), res.Fingerprint, res.PreviousFingerprint, keysCmdLine("rotate", p.Name, o.name))
	if v := res.Verify; v != nil && v.Status == keys.VerifyOK {
		fmt.Fprintf(env.Stdout, "Verified: %s.\n", v.Message)
	}
	reportVerify(env, res.Verify, res.PinnedHost, p.Name, o.name)
	if v := a.envOverride(p, o.name); v != "" {
		warnf(env, "%s is set and overrides the stored key: unset it to use the new one", v)
	}
	return nil
}

// ---- tier keys rm

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
				return Exitf(ExitUsage, "give --name or --all, not both")
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
		return Exitf(ExitUsage, "%s needs no key: there is nothing to remove", p.Name)
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
		fmt.Fprintf(env.Stdout, "Removed %s%s.\n", keyLabel(provider, o.name), fp)
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

// ---- tier keys test

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
	what := fmt.Sprintf("%s (%s from %s)", keyLabel(p.Name, name), keys.Fingerprint(r.Key), r.Source)
	switch v.Status {
	case keys.VerifyOK:
		fmt.Fprintf(env.Stdout, "OK: %s works: %s.\n", what, v.Message)
		switch {
		case !r.Source.Stored() || r.Host == v.Host:
		case r.Host == "":
			fmt.Fprintf(env.Stdout, "The key is now verified for %s and pinned to it (it was not verified for any host).\n", v.Host)
		default:
			fmt.Fprintf(env.Stdout, "The key is now verified for %s (it was for %s).\n", v.Host, r.Host)
		}
		return nil
	case keys.VerifyRefused:
		return Exitf(ExitAuth, "%s: %s", what, v.Message)
	case keys.VerifyUnreachable:
		return Exitf(ExitNetwork, "%s could not be checked: %s", what, v.Message)
	}
	code := ExitUsage
	switch v.HTTPStatus {
	case 429:
		code = ExitRateLimited
	case 402:
		code = ExitExhausted
	}
	return Exitf(code, "%s could not be checked: %s", what, v.Message)
}

// ---- tier keys list

type keysListOptions struct {
	json, all bool
}

func newKeysListCmd(env *Env) *cobra.Command {
	o := &keysListOptions{}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List every key: where it comes from, its fingerprint, age and rotation",
		Long: `List every provider with a key: stored ones (keyring, or the plaintext file, marked as such)
and those whose key comes from an environment variable or key_cmd. For each key: its name, the
source it comes from, its fingerprint (last 4 characters), when it was created, last rotated and
last verified, its age, whether a rotation is due, and which key a plain 'tier chat -p PROVIDER' uses
("default"), or what overrides it, or why tier would not send it. --all adds the catalog's
providers that have no key yet, with where to get one. It runs no key_cmd; it reads the keyring
for the host each key is pinned to, and for default keys tier has no record of.`,
		Example: `  tier keys list
  tier keys list --all
  tier keys list --json | jq -r '.[] | select(.rotate_overdue) | .provider'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runKeysList(env, o) },
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print a JSON array")
	cmd.Flags().BoolVar(&o.all, "all", false, "also list the providers that have no key yet")
	return cmd
}

// keyRowJSON is one element of 'tier keys list --json'.
type keyRowJSON struct {
	Provider     string      `json:"provider"`
	Name         string      `json:"name"`
	Source       string      `json:"source"`
	Fingerprint  string      `json:"fingerprint,omitempty"`
	Plaintext    bool        `json:"plaintext,omitempty"`
	Created      time.Time   `json:"created,omitzero"`
	LastRotated  time.Time   `json:"last_rotated,omitzero"`
	LastVerified time.Time   `json:"last_verified,omitzero"`
	VerifiedHost string      `json:"verified_host,omitempty"`
	PinnedHost   string      `json:"pinned_host,omitempty"`
	AgeDays      *int        `json:"age_days,omitempty"`
	RotateDue    time.Time   `json:"rotate_due,omitzero"`
	Overdue      bool        `json:"rotate_overdue,omitempty"`
	Default      bool        `json:"default,omitempty"`
	HasPrevious  bool        `json:"has_previous,omitempty"`
	Grant        *keys.Grant `json:"grant,omitempty"`
	Note         string      `json:"note,omitempty"`
	KeyURL       string      `json:"key_url,omitempty"`
}

func runKeysList(env *Env, o *keysListOptions) error {
	a := newApp(env)
	profiles, err := a.keyProfiles()
	if err != nil {
		return err
	}
	m, err := a.keyManager()
	if err != nil {
		return err
	}
	rows, err := m.List(profiles, env.Getenv)
	if err != nil {
		return keysErr(err, nil)
	}
	out := make([]keyRowJSON, 0, len(rows))
	have := map[string]bool{}
	for _, r := range rows {
		have[r.Provider] = true
		j := keyRowJSON{
			Provider: r.Provider, Name: r.Name, Source: string(r.Source), Fingerprint: r.Fingerprint,
			Plaintext: r.Source == keys.SourceFile, Created: r.Created, LastRotated: r.LastRotated,
			LastVerified: r.LastVerified, VerifiedHost: r.VerifiedHost, PinnedHost: r.PinnedHost, RotateDue: r.RotateDue, Overdue: r.Overdue,
			Default: r.Default, HasPrevious: r.HasPrevious, Grant: r.Grant, Note: r.Note,
		}
		// Age 0 is unknown only when nothing says when the key was stored:
		// a key stored this very second is 0 days old.
		if r.Age > 0 || !r.Created.IsZero() || !r.LastRotated.IsZero() {
			d := max(int(r.Age/(24*time.Hour)), 0)
			j.AgeDays = &d
		}
		out = append(out, j)
	}
	if o.all {
		c, _ := a.catalog()
		for _, name := range c.Names() {
			p := c.Providers[name]
			if have[name] || p.NoKey || p.Demo {
				continue
			}
			j := keyRowJSON{Provider: name, Name: keys.DefaultName, Source: string(keys.SourceNone), KeyURL: p.KeyURL}
			how := fmt.Sprintf("run 'tier keys set %s'", name)
			if len(p.KeyEnv) > 0 {
				how = fmt.Sprintf("set %s or %s", p.KeyEnv[0], how)
			}
			if p.KeyURL != "" {
				j.Note = fmt.Sprintf("no key: get one at %s, then %s", p.KeyURL, how)
			} else {
				j.Note = "no key: " + how
			}
			out = append(out, j)
		}
	}
	if o.json {
		writeJSONOut(env, out)
		return nil
	}
	if len(out) == 0 {
		fmt.Fprintln(env.Stderr, "tier: no keys yet: run 'tier keys set PROVIDER' ('tier keys list --all' shows where to get keys)")
		return nil
	}
	th := ui.NewTheme(ui.ColorEnabled(env.Stdout, env.Getenv))
	headers := []string{"provider", "name", "source", "key", "created", "rotated", "verified", "age", "rotation", "in use"}
	now := a.now()
	var table [][]string
	for _, r := range out {
		table = append(table, keyListRow(r, now, th))
	}
	if err := ui.Table(env.Stdout, headers, table, ui.IsTerminal(env.Stdout), th); err != nil {
		return &ExitError{Code: ExitInternal, Err: fmt.Errorf("cannot write the table: %w", err)}
	}
	return nil
}

func keyListRow(r keyRowJSON, now time.Time, th ui.Theme) []string {
	date := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Local().Format("2006-01-02")
	}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	source := r.Source
	if r.Plaintext {
		source = th.Warning.Render("file (plaintext)")
	}
	age := "-"
	if r.AgeDays != nil {
		age = strconv.Itoa(*r.AgeDays) + "d"
	}
	rotation := "-"
	switch {
	case r.Overdue:
		rotation = th.Warning.Render("rotate due")
	case !r.RotateDue.IsZero():
		rotation = "in " + strconv.Itoa(int(math.Ceil(r.RotateDue.Sub(now).Hours()/24))) + "d"
	}
	use := r.Note
	switch {
	case r.Default && use != "":
		use = "default, " + use
	case r.Default:
		use = "default"
	case use == "" && r.Name != keys.DefaultName:
		use = "with --key " + r.Name
	}
	return []string{th.Provider.Render(r.Provider), r.Name, source, dash(r.Fingerprint), date(r.Created),
		date(r.LastRotated), date(r.LastVerified), age, rotation, dash(use)}
}

// ---- tier keys doctor

func newKeysDoctorCmd(env *Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the keyring and the stored keys, and say what to do about each problem",
		Long: `Check what keys depend on: which keyring backend is in use; on Linux and the BSDs, whether a D-Bus
session bus and a Secret Service are reachable and unlocked (a probe read, with a timeout);
whether TIER_NO_KEYRING turns the keyring off; stored keys the keyring has lost, keys pinned to a
host their profile no longer points at or to no host at all (also default keys in the keyring
that tier has no record of), keys due for rotation, expired credit grants, environment
variables that override stored keys, and keys kept in plaintext. It also says which source
supplies each provider's key. Each problem comes with what to do about it.

Exit status: 0 when no problem is an error, 3 otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runKeysDoctor(cmd.Context(), env, asJSON) },
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// keyInUse says which source supplies a provider's default key.
type keyInUse struct {
	Provider    string `json:"provider"`
	Name        string `json:"name"`
	Source      string `json:"source"`
	Fingerprint string `json:"fingerprint,omitempty"`
	// Note says why tier would not send it (e.g. pinned to another host).
	Note string `json:"note,omitempty"`
}

type doctorJSON struct {
	keys.Report
	InUse []keyInUse `json:"in_use"`
}

func runKeysDoctor(ctx context.Context, env *Env, asJSON bool) error {
	a := newApp(env)
	profiles, err := a.keyProfiles()
	if err != nil {
		return err
	}
	m, err := a.keyManager()
	if err != nil {
		return err
	}
	rep := m.Doctor(ctx, profiles)
	if rep.Problems == nil {
		rep.Problems = []keys.Problem{}
	}
	inUse := []keyInUse{}
	if rows, err := m.List(profiles, env.Getenv); err == nil {
		for _, r := range rows {
			if r.Default {
				inUse = append(inUse, keyInUse{Provider: r.Provider, Name: r.Name, Source: string(r.Source), Fingerprint: r.Fingerprint, Note: r.Note})
			}
		}
	}
	if asJSON {
		writeJSONOut(env, doctorJSON{Report: rep, InUse: inUse})
	} else {
		rep.Write(env.Stdout)
		if len(inUse) > 0 {
			fmt.Fprintln(env.Stdout, "keys in use:")
			for _, k := range inUse {
				fp := k.Fingerprint
				if fp == "" {
					fp = "-"
				}
				if k.Note != "" {
					fp += " (" + k.Note + ")"
				}
				fmt.Fprintf(env.Stdout, "  %s: %s %s\n", k.Provider, k.Source, fp)
			}
		}
	}
	if !rep.OK() {
		return &ExitError{Code: ExitAuth, Err: errors.New("the key setup has problems"), Silent: true}
	}
	return nil
}
