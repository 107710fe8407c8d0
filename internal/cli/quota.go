package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/export"
	"github.com/tier-cli/tier/internal/help"
	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/shared"
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
	sharedStatus bool         // --shared-status
	format       string       // --format: "" or prometheus (export.Formats)
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
				return runSharedStatus(cmd.Context(), env, args, cmd.Flags().Changed, o.json)
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
	f.StringVar(&o.format, "format", "", "print in another format: prometheus (text exposition format, for node_exporter's textfile collector)")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(export.Formats, cobra.ShellCompDirectiveNoFileComp))
	quotaWatchFlags(cmd, &o.watch)
	return cmd
}

func runQuota(ctx context.Context, env *Env, o *quotaOptions, args []string) error {
	a := newApp(env)
	reqs, format, err := a.CheckQuota(app.QuotaCheck{Providers: args, Key: o.key, Require: o.require, RequireSet: o.requireSet,
		Format: o.format, JSON: o.json, Refreshing: o.refresh || o.probe, Timeout: o.timeout})
	if err != nil {
		return err
	}
	o.format = format
	if o.watch.on {
		return watchQuota(ctx, env, o, args)
	}
	var failures []engine.Refreshed
	var refreshErr error // the table is printed all the same
	if o.refresh || o.probe {
		req := engine.RefreshRequest{Providers: args, Key: o.key, Probe: o.probe, Model: o.model, Timeout: o.timeout}
		if failures, refreshErr = a.Refresh(ctx, req); refreshErr == nil {
			refreshErr = refreshError(failures)
		}
	}
	filter := overview.Filter{Providers: args, Key: o.key, Model: o.model}
	rows, now, err := a.QuotaRows(ctx, filter)
	if err != nil {
		return err
	}
	switch {
	case o.json:
		writeJSONOut(env, overview.Snapshots(rows, now))
	case o.format != "":
		export.Write(env.Stdout, env.Stderr, o.format, rows, now)
	default:
		printQuota(env, env.Stdout, env.Stderr, env.Stdout, a, rows, now, o)
	}
	if len(reqs) == 0 {
		return refreshErr
	}
	n, auth := app.Gate(env.Stderr, rows, now, reqs, o.allowUnknown, failures, filter,
		func(err error) bool { return exitCode(err) == ExitAuth })
	if n == 0 {
		return nil
	}
	err = fmt.Errorf("%d requirement(s) not met", n)
	if auth { // for want of a key: exit 3, not 5
		return silent(authErr(err))
	}
	return silent(exhaustedErr(err))
}

// printQuota prints the table of tier quota (ui.WriteQuota) on out,
// fitted to and coloured for the terminal term is (if it is), and below it on
// errw what runs out when, where the budgets stand and which rows are
// the fleet's (app.WriteNotes).
func printQuota(env *Env, out, errw, term io.Writer, a *app.App, rows []overview.Row, now time.Time, o *quotaOptions) {
	_, width := env.terminal(term)
	ui.WriteQuota(out, errw, rows, now, env.theme(term), width, overview.Selection(o.key, o.model))
	a.WriteNotes(errw, rows, now)
}

// refreshError is the error of a refresh that failed for some providers
// (each said on its line): a probe a budget refused exits 7, else 6.
func refreshError(failures []engine.Refreshed) error {
	if len(failures) == 0 {
		return nil
	}
	var failed []string
	for _, f := range failures {
		if errors.As(f.Err, new(*budget.Refused)) {
			return silent(f.Err)
		}
		failed = append(failed, f.Provider)
	}
	return silent(networkErr(fmt.Errorf("refresh failed for %s", strings.Join(failed, ", "))))
}

// runSharedStatus is tier quota --shared-status: reachable, latency, keys
// held, clock skew; exit 6 when not reachable.
func runSharedStatus(ctx context.Context, env *Env, args []string, changed func(string) bool, asJSON bool) error {
	st, err := newApp(env).SharedStatus(ctx, args, changed)
	if err != nil {
		return err
	}
	if asJSON {
		writeJSONOut(env, st) // --jq applies, as to every --json
	} else {
		shared.WriteStatus(env.Stdout, st, false)
	}
	if !st.Reachable {
		return silent(networkErr(fmt.Errorf("shared state unreachable: %s", st.Error)))
	}
	return nil
}
