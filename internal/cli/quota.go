package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/help"
	"github.com/tier-cli/tier/internal/overview"
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
		Long:  help.Quota,
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
	var failures []engine.Refreshed
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
		writeJSONOut(env, overview.Snapshots(rows, src.Now))
	} else if o.format != "" {
		writeQuotaFormat(env, o.format, rows, src.Now)
	} else {
		printQuotaTable(env, rows, src.Now, o)
		a.printRunway(env, rows, src.Now)
		printShared(env, rows, src.Now)
	}
	if len(reqs) > 0 {
		var blind []overview.Blind
		auth := false
		for _, f := range failures {
			blind = append(blind, overview.Blind{Provider: f.Provider, Why: f.ErrText()})
			auth = auth || exitCode(f.Err) == ExitAuth
		}
		unmet := overview.Gate(rows, reqs, o.allowUnknown, src.Now, blind, len(args) > 0, overview.Selection(o.key, o.model))
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
			fmt.Fprintf(env.Stderr, "tier: nothing seen yet for %s: 'tier quota' lists everything seen\n", overview.Selection(o.key, o.model))
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

// refreshQuota has the engine ask every selected provider what can be
// learned without spending quota (and, with --probe, with one minimal
// request), and reports failures one line each, and returns them; the
// error says whether any failed.
func (a *app) refreshQuota(ctx context.Context, names []string, o *quotaOptions) ([]engine.Refreshed, error) {
	eng, err := a.engine()
	if err != nil {
		return nil, err
	}
	results := eng.Refresh(ctx, engine.RefreshRequest{Providers: names, Key: o.key, Probe: o.probe, Model: o.model, Timeout: o.timeout})
	failures := engine.ReportRefresh(a.env.Stderr, results, len(names) > 0)
	if len(failures) > 0 {
		var failed []string
		for _, f := range failures {
			if errors.As(f.Err, new(*budget.Refused)) {
				return failures, silent(f.Err) // a probe a budget refused: exit 7
			}
			failed = append(failed, f.Provider)
		}
		return failures, silent(networkErr(fmt.Errorf("refresh failed for %s", strings.Join(failed, ", "))))
	}
	return nil, nil
}
