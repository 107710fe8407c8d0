package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/ui"
)

func init() { commands = append(commands, newQuotaCmd) }

type quotaOptions struct {
	key, model   string
	json         bool
	refresh      bool
	probe        bool
	require      string
	allowUnknown bool
	timeout      time.Duration
}

func newQuotaCmd(env *Env) *cobra.Command {
	o := &quotaOptions{}
	cmd := &cobra.Command{
		Use:   "quota [PROVIDER...]",
		Short: "Show what is left everywhere, without spending a request",
		Long: `Show what is left of every rate limit and credit, per provider, key and model: the last
figures each provider reported, projected past their resets; the catalog's published limits where
a provider reports nothing, with what is left estimated from the calls tier itself made (calls made
outside tier are not counted); credit balances, grants and expiry countdowns.

A plain 'tier quota' reads local state only: no network. Figures are marked by where they come
from: '~' is an estimate, '(refilled)' a window whose reset has passed since it was seen.

--refresh asks the providers what can be learned without spending quota: balance endpoints
(DeepSeek, OpenRouter, Vercel) and GET /models for providers that send rate-limit headers there.
--probe also spends one minimal request (one output token) on providers that report their limits
only on chat calls, and says so.

--require gates CI jobs: 'tier quota groq --require rpd=20,credit=0.50' exits 5 with one line per
unmet requirement when a selected provider has less left. Every model seen must meet a window
requirement; a window that is not reported fails it unless --allow-unknown. Names: rpm, rph, rpd,
tpm, tph, tpd, credit, or METRIC/PERIOD such as neurons/day.

Exit codes: 0 all well; 2 bad usage; 5 a requirement unmet; 6 a --refresh or --probe failed
(with --require, the requirements decide).`,
		Example: `  tier quota
  tier quota groq --json | jq '.[].windows'
  tier quota --refresh deepseek openrouter
  tier quota groq --require rpd=20,credit=0.50`,
		RunE: func(cmd *cobra.Command, args []string) error { return runQuota(cmd.Context(), env, o, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "only this key name (default: every key)")
	f.StringVarP(&o.model, "model", "m", "", "only this model")
	f.BoolVar(&o.json, "json", false, "print a JSON array of snapshots")
	f.BoolVar(&o.refresh, "refresh", false, "ask balance endpoints and /models first (no quota spent)")
	f.BoolVar(&o.probe, "probe", false, "also spend one minimal request where limits come only with chat replies")
	f.StringVar(&o.require, "require", "", "fail with exit 5 unless this much is left, e.g. rpd=20,credit=0.50")
	f.BoolVar(&o.allowUnknown, "allow-unknown", false, "with --require, let windows that are not reported pass")
	f.DurationVar(&o.timeout, "timeout", 10*time.Second, "per-provider timeout for --refresh and --probe")
	return cmd
}

func runQuota(ctx context.Context, env *Env, o *quotaOptions, args []string) error {
	a := newApp(env)
	cat, err := a.catalog()
	if err != nil {
		return err
	}
	var reqs []overview.Requirement
	if o.require != "" {
		if reqs, err = overview.ParseRequirements(o.require); err != nil {
			return usageErr(err)
		}
	}
	for _, name := range args {
		if _, err := cat.Profile(name); err != nil {
			return usageErr(err)
		}
	}
	if _, err := a.store(); err != nil {
		return err
	}
	var refreshErr error
	if o.refresh || o.probe {
		refreshErr = a.refreshQuota(ctx, args, o)
	}
	src := a.overviewSource()
	rows, err := src.Rows(overview.Filter{Providers: args, Key: o.key, Model: o.model})
	if err != nil {
		return err
	}
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
	} else {
		printQuotaTable(env, rows, src.Now)
	}
	if len(reqs) > 0 {
		unmet := overview.Check(rows, reqs, o.allowUnknown, src.Now)
		if len(args) == 0 && len(rows) == 0 && !o.allowUnknown {
			unmet = append(unmet, overview.Unmet{Message: "no provider has been used yet: name the providers to check (tier quota groq --require ...)"})
		}
		for _, u := range unmet {
			fmt.Fprintf(env.Stderr, "tier: requirement not met: %s\n", u.Message)
		}
		if len(unmet) > 0 {
			return &ExitError{Code: ExitExhausted, Err: fmt.Errorf("%d requirement(s) not met", len(unmet)), Silent: true}
		}
		return nil
	}
	return refreshErr
}

// overviewSource gathers the overview's inputs from local state.
func (a *app) overviewSource() overview.Source {
	st, _ := a.store()
	cat, _ := a.catalog()
	return overview.Source{Catalog: cat, Store: st, Now: a.now(), Keys: a.keyInfo, FirstSeen: overview.FirstSeen(st)}
}

func printQuotaTable(env *Env, rows []overview.Row, now time.Time) {
	if len(rows) == 0 {
		fmt.Fprintln(env.Stderr, "tier: nothing seen yet: run 'tier chat' (try 'tier chat -p demo hello'), or 'tier quota --refresh', or name a provider (tier quota groq)")
		return
	}
	th := ui.ThemeFor(env.Stdout)
	styled := th.Color()
	// Columns: the windows any row has, in display order.
	var cols []quota.Window
	seenCol := map[string]bool{}
	var all []quota.Window
	for _, r := range rows {
		all = append(all, r.Snapshot.Windows...)
	}
	for _, w := range ui.SortWindows(all) {
		if !seenCol[w.Key()] {
			seenCol[w.Key()] = true
			cols = append(cols, w)
		}
	}
	headers := []string{"provider", "key", "model"}
	for _, c := range cols {
		headers = append(headers, ui.WindowLabel(c))
	}
	headers = append(headers, "credit", "seen")
	var table [][]string
	estimates, missing := false, false
	for _, r := range rows {
		s := r.Snapshot
		model := s.Model
		if model == "" {
			model = "(account)"
		}
		row := []string{th.Provider.Render(s.Provider), s.Key, model}
		for _, c := range cols {
			cell := ""
			for _, w := range s.Windows {
				if w.Key() == c.Key() {
					if v := ui.WindowCell(w, now, th); v != "" {
						cell = v
					}
					if w.Source == quota.SourceEstimate {
						estimates = true
					}
				}
			}
			if cell == "" {
				cell, missing = "-", true
			}
			row = append(row, cell)
		}
		credit := ui.CreditCell(s.Credit, now, th)
		if credit == "" {
			credit, missing = "-", true
		}
		seen := "never"
		if !r.Seen.IsZero() {
			seen = ui.FormatCountdown(now.Sub(r.Seen)) + " ago"
		}
		row = append(row, credit, seen)
		table = append(table, row)
	}
	ui.Table(env.Stdout, headers, table, styled, th)
	var notes []string
	if missing {
		notes = append(notes, "- not reported")
	}
	if estimates {
		notes = append(notes, "~ estimated from calls made through tier (calls made elsewhere are not counted)")
	}
	if len(notes) > 0 {
		fmt.Fprintln(env.Stderr, strings.Join(notes, " · "))
	}
	for _, r := range rows {
		if w := ui.ExpiryWarning(r.Snapshot, now); w != "" {
			fmt.Fprintf(env.Stderr, "tier: %s %s: %s\n", r.Snapshot.Provider, r.Snapshot.Model, w)
		}
	}
}

// refreshQuota asks every selected provider what can be learned without
// spending quota (and, with --probe, with one minimal request), concurrently,
// each within o.timeout. Failures are reported one line each; the returned
// error says whether any failed.
func (a *app) refreshQuota(ctx context.Context, names []string, o *quotaOptions) error {
	cat, _ := a.catalog()
	targets := names
	explicit := len(names) > 0
	if !explicit {
		targets = cat.Names()
	}
	type outcome struct {
		name string
		msgs []string
		err  error
	}
	results := make([]outcome, len(targets))
	var wg sync.WaitGroup
	for i, name := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[i]
			res.name = name
			p, _ := cat.Profile(name)
			key := o.key
			if key == "" {
				key = "default"
			}
			client, err := a.client(p, key)
			if err != nil {
				if explicit {
					res.err = err
				}
				return // without a key there is nothing to refresh
			}
			cctx, cancel := context.WithTimeout(ctx, o.timeout)
			defer cancel()
			res.msgs, res.err = a.refreshOne(cctx, cat, p, client, key, o.probe)
		}()
	}
	wg.Wait()
	var failed []string
	for _, r := range results {
		for _, m := range r.msgs {
			fmt.Fprintf(a.env.Stderr, "tier: %s\n", m)
		}
		if r.err != nil {
			fmt.Fprintf(a.env.Stderr, "tier: %s: refresh failed: %s\n", r.name, oneLine(r.err.Error()))
			failed = append(failed, r.name)
		}
	}
	if len(failed) > 0 {
		return &ExitError{Code: ExitNetwork, Err: fmt.Errorf("refresh failed for %s", strings.Join(failed, ", ")), Silent: true}
	}
	return nil
}

func (a *app) refreshOne(ctx context.Context, cat *catalog.Catalog, p *catalog.Profile, client *api.Client, key string, probe bool) ([]string, error) {
	st, _ := a.store()
	var msgs []string
	var errs []error
	if b := p.Balance; b != nil {
		snap, err := client.Balance(ctx, b.Kind, b.URL)
		if err != nil {
			errs = append(errs, err)
		} else if err := st.SaveSnapshot(snap); err != nil {
			errs = append(errs, err)
		} else {
			msgs = append(msgs, fmt.Sprintf("%s: balance refreshed", p.Name))
		}
	}
	d := cat.Dialect(p.Dialect)
	reportsHeaders := d != nil && len(d.Windows) > 0 && !p.Demo
	if reportsHeaders {
		_, qr, err := client.Models(ctx)
		if err != nil {
			errs = append(errs, err)
		} else if qr != nil && len(qr.Snapshot.Windows) > 0 {
			snap := qr.Snapshot
			snap.Provider, snap.Key, snap.Model = p.Name, key, ""
			if err := st.SaveSnapshot(snap); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if probe && d != nil && len(d.Windows) > 0 {
		model := p.DefaultModel
		reply, err := client.Chat(ctx, api.ChatRequest{Model: model, MaxTokens: 1,
			Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "ping"}}},
			api.CallOptions{Retries: 0})
		a.record(p.Name, key, model, reply)
		if err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		} else {
			msgs = append(msgs, fmt.Sprintf("%s: probed %s (spent 1 request, 1 output token)", p.Name, model))
		}
	}
	return msgs, errors.Join(errs...)
}
