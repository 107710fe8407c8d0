package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/export"
	"github.com/tier-cli/tier/internal/models"
	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/shared"
	"github.com/tier-cli/tier/internal/status"
	"github.com/tier-cli/tier/internal/store"
	"github.com/tier-cli/tier/internal/usage"
)

// OverviewSource gathers the overview's inputs from local state; the
// catalog and the store must have loaded.
func (a *App) OverviewSource() overview.Source {
	st, _ := a.Store()
	cat, _ := a.Catalog()
	return overview.Source{Catalog: cat, Store: st, Now: a.Now(), Keys: a.KeyInfo, FirstSeen: overview.FirstSeen(st)}
}

// QuotaRows are the rows of 'tier quota' at src.Now: the fleet's snapshots
// learnt first (in required mode a Redis out of reach fails), each row's
// runway at the current pace, and the rows that are the fleet's marked.
func (a *App) QuotaRows(ctx context.Context, f overview.Filter) ([]overview.Row, time.Time, error) {
	entries, err := a.LearnFleet(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	src := a.OverviewSource()
	rows, err := src.Rows(f)
	if err != nil {
		return nil, src.Now, err
	}
	a.AddRunway(rows, src.Now)
	shared.Mark(snapshots(rows), entries)
	return rows, src.Now, nil
}

// AddRunway fills in, from the usage log (when there is one), when each
// row's windows and credit run out at the current pace (usage.FillRunways).
func (a *App) AddRunway(rows []overview.Row, now time.Time) {
	st, err := a.Store()
	if err != nil {
		return
	}
	usage.FillRunways(st.Dir, snapshots(rows), now)
}

func snapshots(rows []overview.Row) []*quota.Snapshot {
	snaps := make([]*quota.Snapshot, len(rows))
	for i := range rows {
		snaps[i] = &rows[i].Snapshot
	}
	return snaps
}

// StatusLine is the line of 'tier status' from local state only (with
// TIER_SHARED, and the fleet's snapshots, as tier quota learns them). An
// unknown provider name, a broken configuration or a damaged state file is
// an error (which tier status swallows unless --strict).
func (a *App) StatusLine(names []string) (status.Line, error) {
	cat, err := a.Catalog()
	if err != nil {
		return status.Line{}, err
	}
	for _, name := range names {
		if _, err := cat.Profile(name); err != nil {
			return status.Line{}, usageErr(err)
		}
	}
	// The snapshots are checked as Rows reads them (once: they are the
	// largest file); the others here.
	if err := a.CheckState(store.LedgerFile, SeenState, KeysState); err != nil {
		return status.Line{}, err
	}
	if _, err := a.LearnFleet(context.Background()); err != nil {
		return status.Line{}, err
	}
	src := a.OverviewSource()
	rows, err := src.Rows(overview.Filter{Providers: names})
	if err != nil {
		return status.Line{}, err
	}
	return status.Build(rows, src.Now), nil
}

// ModelsProviders picks the providers 'tier models' lists (models.Select):
// with all, a provider whose key does not resolve is skipped.
func (a *App) ModelsProviders(c *catalog.Catalog, names []string, all bool, key string) ([]*catalog.Profile, []string, error) {
	return models.Select(c, names, all, a.cfg.Getenv, func(p *catalog.Profile) bool {
		base, err := p.ResolveBaseURL(a.cfg.Getenv)
		if err != nil {
			base = p.BaseURL
		}
		_, err = a.LookupKey(p, key, base)
		return err == nil
	})
}

// WriteNotes says on w, below tier quota's table, what runs out when, one
// line a row (usage.WriteRunways), where tier's own budgets stand (tier
// budget list has them as a table), and which rows are the fleet's
// (shared.WriteMarked).
func (a *App) WriteNotes(w io.Writer, rows []overview.Row, now time.Time) {
	snaps := make([]quota.Snapshot, len(rows))
	for i, r := range rows {
		snaps[i] = r.Snapshot
	}
	usage.WriteRunways(w, snaps, now, a.Zone())
	if statuses, err := a.BudgetStatuses(now); err == nil {
		budget.WriteLines(w, statuses, now, a.Zone())
	}
	shared.WriteMarked(w, snaps, now)
}

// Refresh has the engine ask the providers of req what can be learned
// without spending quota (and, with req.Probe, with one minimal request),
// reports each failure on one line of stderr, and returns the failures.
func (a *App) Refresh(ctx context.Context, req engine.RefreshRequest) ([]engine.Refreshed, error) {
	eng, err := a.Engine()
	if err != nil {
		return nil, err
	}
	results := eng.Refresh(ctx, req)
	return engine.ReportRefresh(a.cfg.Stderr, results, len(req.Providers) > 0), nil
}

// QuotaCheck is what 'tier quota' was asked, as CheckQuota checks it.
type QuotaCheck struct {
	Providers  []string
	Key        string
	Require    string
	RequireSet bool   // --require was given, even as ''
	Format     string // --format ("" or one of export.Formats)
	JSON       bool
	Refreshing bool // --refresh or --probe
	Timeout    time.Duration
}

// CheckQuota refuses, before anything is read or asked, what 'tier quota'
// cannot show: a malformed --require, an unknown --format or one beside
// --json, a --timeout that is not positive, a provider the catalog does not
// have, a damaged state file, a --key that names no key of a named provider
// (CheckKeyNamed). It returns the requirements and the format, checked.
func (a *App) CheckQuota(q QuotaCheck) (reqs []overview.Requirement, format string, err error) {
	cat, err := a.Catalog()
	if err != nil {
		return nil, "", err
	}
	if q.Require != "" || q.RequireSet {
		if reqs, err = overview.ParseRequirements(q.Require); err != nil {
			return nil, "", usageErr(err)
		}
	}
	if format, err = export.CheckFormat(q.Format, q.JSON); err != nil {
		return nil, "", usageErr(err)
	}
	if q.Refreshing && q.Timeout <= 0 {
		return nil, "", usagef("--timeout must be more than 0, e.g. --timeout 10s")
	}
	for _, name := range q.Providers {
		if _, err := cat.Profile(name); err != nil {
			return nil, "", usageErr(err)
		}
	}
	if err := a.CheckState(quotaState...); err != nil {
		return nil, "", err
	}
	return reqs, format, a.CheckKeyNamed(q.Providers, q.Key)
}

// WatchRows are the rows of 'tier quota --watch' at now, with their
// runways: a fresh look at local state each time, so what other processes
// write shows up; the rows that fleet (what LearnFleet returned for this
// reading) made are marked as the fleet's.
func (a *App) WatchRows(f overview.Filter, now time.Time, fleet []shared.Entry) ([]overview.Row, error) {
	src := a.OverviewSource()
	src.Now = now
	rows, err := src.Rows(f)
	if err != nil {
		return nil, err
	}
	a.AddRunway(rows, now)
	shared.Mark(snapshots(rows), fleet)
	return rows, nil
}

// Gate is tier quota --require: reqs checked against rows at now
// (overview.Gate), the providers a refresh could not reach (failures)
// counted as blind; each requirement not met is said on errw. It returns
// how many were not met, and whether a failure was for want of a key
// (auth says which errors are: exit 3 rather than 5).
func Gate(errw io.Writer, rows []overview.Row, now time.Time, reqs []overview.Requirement, allowUnknown bool,
	failures []engine.Refreshed, f overview.Filter, auth func(error) bool) (unmet int, authFailed bool) {
	var blind []overview.Blind
	for _, r := range failures {
		blind = append(blind, overview.Blind{Provider: r.Provider, Why: r.ErrText()})
		authFailed = authFailed || auth(r.Err)
	}
	missed := overview.Gate(rows, reqs, allowUnknown, now, blind, len(f.Providers) > 0, overview.Selection(f.Key, f.Model))
	for _, u := range missed {
		fmt.Fprintf(errw, "tier: requirement not met: %s\n", u.Message)
	}
	return len(missed), authFailed
}
