package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
	"github.com/tier-cli/tier/internal/ui"
)

type quotaOptions struct {
	key, model   string
	json         bool
	refresh      bool
	probe        bool
	require      string
	requireSet   bool // --require was given, even as ''
	allowUnknown bool
	timeout      time.Duration
	sharedStatus bool         // --shared-status (shared.go)
	format       string       // --format: "" or prometheus (export.go)
	watch        watchOptions // --watch, --interval, --count (watch.go)
}

func newQuotaCmd(env *Env) *cobra.Command {
	o := &quotaOptions{}
	cmd := &cobra.Command{
		Use:   "quota [PROVIDER...]",
		Short: "Show what is left everywhere, without spending a request",
		Long: `Show what is left of every rate limit and credit, per provider, key and model seen: the last
figures each provider reported, projected past their resets; the catalog's published limits where
a provider reports nothing, with what is left estimated from the calls tier itself made (calls made
outside tier are not counted); credit balances, grants and expiry countdowns; and how old it all is.

A plain 'tier quota' reads local state only: no network. Figures are marked by where they come
from: '~' is an estimate, '(refilled)' a window whose reset has passed since it was seen, '-' a
figure that is not reported. An '(account)' row is the key as a whole, from a balance endpoint or
GET /models; its credit also shows on the key's model rows. Credit expiry comes from the grant
recorded with the key (tier keys set --credit ... --granted ...) or, failing that and when no
balance was reported, from the catalog's published validity counted from when the key was added
or first used (an estimate, marked '~'). Credit that expires within 7 days highlights its rows
and prints a warning on stderr.

--refresh asks the providers what can be learned without spending quota: balance endpoints
(DeepSeek, OpenRouter, Vercel) and GET /models for providers that send rate-limit headers there,
concurrently, each within --timeout. Without names it asks every provider that has a key.
--probe also spends one minimal request (one output token) on providers that report their limits
only on chat calls, and says so.

--require gates CI jobs: 'tier quota groq --require rpd=20,credit=0.50' exits 5 with one line per
unmet requirement when a selected provider has less left. Every model seen must meet a window
requirement; a window that is not reported fails it. --allow-unknown excuses only windows the
provider never reports (none of its headers, no balance endpoint): a figure it reports but tier has
not seen yet fails the gate, as does a --refresh or --probe that failed (exit 3 when it failed for
want of a key or a refused key), so a gate on a fresh CI runner cannot pass knowing nothing. Put
the key in the gate's environment and use --refresh, plus --probe for providers that report their
limits only on chat calls (Groq, Cerebras, SambaNova). Names: rpm, rph, rpd, tpm, tph, tpd, credit,
or METRIC/PERIOD such as neurons/day; credit takes an amount as --credit does (5, $5, 5USD).

--json prints an array of snapshots, each in the form of the quota of 'tier chat --json'.
observed_at is when the provider last answered; for a provider named but never used it is the
time of the run, and every window is the catalog's, marked "estimate". A window with an
observed_at of its own was seen earlier than that, in a reply since which the provider has not
repeated it.

Exit codes: 0 all well; 2 bad usage, or a damaged state file (the message gives the command that
moves it aside); 3 --key names no key of a named provider, or with --require a refresh failed for
want of a key; 5 a requirement unmet, or with --require a refresh failed; 6 a --refresh or --probe
failed.`,
		Example: `  tier quota
  tier quota groq --json | jq '.[].windows'
  tier quota --refresh deepseek openrouter
  tier quota groq --require rpd=20,credit=0.50
  GROQ_API_KEY=... tier quota groq --refresh --probe --require rpd=20`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.requireSet = cmd.Flags().Changed("require")
			if o.sharedStatus {
				return runSharedStatus(cmd.Context(), env, o.json)
			}
			if err := checkQuotaWatch(cmd, o); err != nil {
				return err
			}
			return runQuota(cmd.Context(), env, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "only this key name (default: every key)")
	f.StringVarP(&o.model, "model", "m", "", "only this model")
	jsonFlag(f, &o.json, "print a JSON array of snapshots")
	f.BoolVar(&o.refresh, "refresh", false, "ask balance endpoints and /models first (no quota spent)")
	f.BoolVar(&o.probe, "probe", false, "also spend one minimal request where limits come only with chat replies")
	f.StringVar(&o.require, "require", "", "fail with exit 5 unless this much is left, e.g. rpd=20,credit=0.50")
	f.BoolVar(&o.allowUnknown, "allow-unknown", false, "with --require, let windows the provider never reports pass")
	durationVar(f, &o.timeout, "timeout", 10*time.Second, "per-provider timeout for --refresh and --probe")
	f.BoolVar(&o.sharedStatus, "shared-status", false, "check the shared state (TIER_SHARED): reachable, latency, keys held, clock skew")
	quotaFormatFlag(cmd, &o.format)
	quotaWatchFlags(cmd, &o.watch)
	return cmd
}

func runQuota(ctx context.Context, env *Env, o *quotaOptions, args []string) error {
	a := newApp(env)
	cat, err := a.catalog()
	if err != nil {
		return err
	}
	var reqs []overview.Requirement
	if o.require != "" || o.requireSet {
		if reqs, err = overview.ParseRequirements(o.require); err != nil {
			return usageErr(err)
		}
	}
	if err := checkQuotaFormat(o); err != nil {
		return err
	}
	if (o.refresh || o.probe) && o.timeout <= 0 {
		return usagef("--timeout must be more than 0, e.g. --timeout 10s")
	}
	for _, name := range args {
		if _, err := cat.Profile(name); err != nil {
			return usageErr(err)
		}
	}
	if err := a.checkState(store.SnapshotsFile, store.LedgerFile, seenState, keysState); err != nil {
		return err
	}
	if err := a.checkKeyNamed(args, o.key); err != nil {
		return err
	}
	if o.watch.on {
		return watchQuota(ctx, env, o, args)
	}
	var refreshErr error
	var failures []refreshFailure
	if o.refresh || o.probe {
		failures, refreshErr = a.refreshQuota(ctx, args, o)
	}
	fleet, err := a.learnFleet(ctx)
	if err != nil {
		return err
	}
	src := a.overviewSource()
	rows, err := src.Rows(overview.Filter{Providers: args, Key: o.key, Model: o.model})
	if err != nil {
		return err
	}
	a.addRunway(rows, src.Now)
	markShared(rows, fleet)
	if o.json {
		snaps := make([]quota.Snapshot, 0, len(rows))
		for _, r := range rows {
			s := r.Snapshot
			if s.ObservedAt.IsZero() { // never called: published limits as of now
				s.ObservedAt = src.Now.UTC().Truncate(time.Second)
			}
			snaps = append(snaps, s)
		}
		writeJSONOut(env, snaps)
	} else if o.format != "" {
		writeQuotaFormat(env, o.format, rows, src.Now)
	} else {
		printQuotaTable(env, rows, src.Now, o)
		a.printRunway(env, rows, src.Now)
		printShared(env, rows, src.Now)
	}
	if len(reqs) > 0 {
		unmet := overview.Check(rows, reqs, o.allowUnknown, src.Now)
		// A refresh that failed leaves the gate blind: what it would have
		// learned may be what fails it. --allow-unknown does not excuse it.
		auth := false
		for _, f := range failures {
			unmet = append(unmet, overview.Unmet{Provider: f.provider,
				Message: f.provider + ": cannot be checked: its refresh failed (" + withoutProvider(f.provider, f.err.Error()) + ")"})
			auth = auth || exitCode(f.err) == ExitAuth
		}
		if len(args) == 0 && len(rows) == 0 {
			what := "no provider has been used yet"
			if o.key != "" || o.model != "" {
				what = "nothing seen yet for " + selection(o)
			}
			unmet = append(unmet, overview.Unmet{Message: what + ": name the providers to check (tier quota groq --require ...)"})
		}
		for _, u := range unmet {
			fmt.Fprintf(env.Stderr, "tier: requirement not met: %s\n", u.Message)
		}
		if len(unmet) > 0 {
			err := fmt.Errorf("%d requirement(s) not met", len(unmet))
			if auth { // for want of a key: exit 3, not 5
				return silent(authErr(err))
			}
			return silent(exhaustedErr(err))
		}
		return nil
	}
	return refreshErr
}

// checkKeyNamed refuses --key NAME for a named provider that has no such
// key and no quota seen under it: its row would be the catalog's limits for
// a key that does not exist.
func (a *app) checkKeyNamed(names []string, key string) error {
	if key == "" || len(names) == 0 {
		return nil
	}
	cat, _ := a.catalog()
	st, _ := a.store()
	seen, _ := st.Snapshots()
	for _, name := range names {
		p, err := cat.Profile(name)
		if err != nil {
			return usageErr(err)
		}
		if !a.keyExists(p, key, seen) {
			return authf("%s has no key named %q: 'tier keys list' shows the keys there are, 'tier keys set %s --name %s' adds one", name, key, name, key)
		}
	}
	return nil
}

// overviewSource gathers the overview's inputs from local state.
func (a *app) overviewSource() overview.Source {
	st, _ := a.store()
	cat, _ := a.catalog()
	return overview.Source{Catalog: cat, Store: st, Now: a.now(), Keys: a.keyInfo, FirstSeen: overview.FirstSeen(st)}
}

// printQuotaTable prints rows as a table on stdout (ui.QuotaTable), its
// legend and warnings on stderr; with no rows, what to do instead.
func printQuotaTable(env *Env, rows []overview.Row, now time.Time, o *quotaOptions) {
	if len(rows) == 0 {
		switch {
		case o.key != "" || o.model != "":
			fmt.Fprintf(env.Stderr, "tier: nothing seen yet for %s: 'tier quota' lists everything seen\n", selection(o))
		default:
			fmt.Fprintln(env.Stderr, "tier: nothing seen yet: run 'tier chat' (try 'tier chat -p demo hello'), or 'tier quota --refresh', or name a provider (tier quota groq)")
		}
		return
	}
	th := env.theme(env.Stdout)
	qrows := make([]ui.QuotaRow, len(rows))
	for i, r := range rows {
		qrows[i] = ui.QuotaRow{Snapshot: r.Snapshot, Seen: r.Seen, ExpiryEstimated: r.ExpiryEstimated}
	}
	headers, table, notes := ui.QuotaTable(qrows, now, th)
	styled := th.Color()
	env.table(headers, table, th, &styled)
	if len(notes) > 0 {
		fmt.Fprintln(env.Stderr, strings.Join(notes, " · "))
	}
	for _, w := range ui.QuotaWarnings(qrows, now) {
		fmt.Fprintf(env.Stderr, "tier: warning: %s\n", w)
	}
}

// selection names the --key and --model filters: `key "work" and model "m1"`.
func selection(o *quotaOptions) string {
	var what []string
	if o.key != "" {
		what = append(what, fmt.Sprintf("key %q", o.key))
	}
	if o.model != "" {
		what = append(what, fmt.Sprintf("model %q", o.model))
	}
	return strings.Join(what, " and ")
}

// refreshFailure is a provider whose refresh failed, and why.
type refreshFailure struct {
	provider string
	err      error
}

// refreshQuota has the engine ask every selected provider what can be
// learned without spending quota (and, with --probe, with one minimal
// request), and reports failures one line each, and returns them; the
// error says whether any failed.
func (a *app) refreshQuota(ctx context.Context, names []string, o *quotaOptions) ([]refreshFailure, error) {
	eng, err := a.engine()
	if err != nil {
		return nil, err
	}
	results := eng.Refresh(ctx, engine.RefreshRequest{Providers: names, Key: o.key, Probe: o.probe, Model: o.model, Timeout: o.timeout})
	explicit := len(names) > 0
	var failed []string
	var failures []refreshFailure
	asked := false
	for _, r := range results {
		if r.Unsaved != "" {
			fmt.Fprintf(a.env.Stderr, "tier: warning: %s\n", oneLine(r.Unsaved))
		}
	}
	for _, r := range results {
		asked = asked || r.Asked
		for _, m := range r.Messages {
			fmt.Fprintf(a.env.Stderr, "tier: %s: %s\n", r.Provider, oneLine(m))
		}
		if r.Err != nil {
			err := r.Err
			fmt.Fprintf(a.env.Stderr, "tier: %s: refresh failed: %s\n", r.Provider, withoutProvider(r.Provider, err.Error()))
			failed = append(failed, r.Provider)
			failures = append(failures, refreshFailure{r.Provider, err})
		}
	}
	if !asked && !explicit {
		fmt.Fprintln(a.env.Stderr, "tier: nothing to refresh: no provider has a key here (tier keys set PROVIDER)")
	}
	if len(failed) > 0 {
		return failures, silent(networkErr(fmt.Errorf("refresh failed for %s", strings.Join(failed, ", "))))
	}
	return nil, nil
}

// withoutProvider is msg on one line, without the "provider: " the api
// package starts its messages with (the line already names the provider).
func withoutProvider(provider, msg string) string {
	msg = oneLine(msg)
	for _, prefix := range []string{"balance: ", "GET /models: ", "probe: "} {
		if rest, ok := strings.CutPrefix(msg, prefix+provider+": "); ok {
			return prefix + rest
		}
	}
	return strings.TrimPrefix(msg, provider+": ")
}
