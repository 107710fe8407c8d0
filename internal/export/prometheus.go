// Package export owns tier's machine formats other than its own JSON: the
// Prometheus text exposition format of 'tier quota --format prometheus',
// for node_exporter's textfile collector and any scraper. It takes plain
// rows (internal/overview) and knows nothing of cobra or the state files.
package export

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
)

// family is one metric family: its name, help, and samples in row order.
type family struct {
	name, help string
	samples    []string
}

// Prometheus writes rows, as of now, in the Prometheus text exposition
// format (version 0.0.4): HELP and TYPE lines, then one sample per figure
// known. A window or credit not reported has no sample: it is absent, never
// 0. Windows are labelled provider, key, model and window ("requests/minute",
// "tokens/day", "neurons/day"); credit and key budgets, which belong to a
// key, provider, key and unit.
func Prometheus(w io.Writer, rows []overview.Row, now time.Time) error {
	fams := []*family{
		{name: "tier_window_remaining", help: "What is left of a rate-limit window, as last reported (projected past its reset) or estimated."},
		{name: "tier_window_limit", help: "The limit of a rate-limit window."},
		{name: "tier_window_reset_timestamp_seconds", help: "When a rate-limit window resets, as a Unix time."},
		{name: "tier_window_estimated", help: "1 when the window's figures are estimated from tier's own calls, 0 when a provider reported them."},
		{name: "tier_credit_remaining", help: "Credit left on a key, in its unit."},
		{name: "tier_credit_granted", help: "Credit granted to a key, in its unit."},
		{name: "tier_credit_expiry_timestamp_seconds", help: "When a key's credit expires, as a Unix time."},
		{name: "tier_key_budget_remaining", help: "What a key's spending cap lets it still spend, in its unit."},
		{name: "tier_key_budget_limit", help: "A key's spending cap, in its unit."},
		{name: "tier_observed_age_seconds", help: "How long ago the provider last answered for this provider, key and model."},
	}
	const (
		remaining = iota
		limit
		reset
		estimated
		creditRemaining
		creditGranted
		creditExpiry
		budgetRemaining
		budgetLimit
		age
	)
	add := func(i int, labels, value string) {
		fams[i].samples = append(fams[i].samples, fams[i].name+"{"+labels+"} "+value)
	}
	keyDone := map[[2]string]bool{}
	for _, r := range rows {
		s := r.Snapshot
		base := label("provider", s.Provider) + "," + label("key", s.Key) + "," + label("model", s.Model)
		for _, win := range s.Windows {
			l := base + "," + label("window", windowName(win))
			if win.Remaining != nil {
				add(remaining, l, strconv.FormatInt(*win.Remaining, 10))
			}
			if win.Limit != nil {
				add(limit, l, strconv.FormatInt(*win.Limit, 10))
			}
			if win.ResetAt != nil && win.ResetAt.After(now) {
				add(reset, l, strconv.FormatInt(win.ResetAt.Unix(), 10))
			}
			if win.Remaining != nil || win.Limit != nil {
				add(estimated, l, boolValue(win.Source == quota.SourceEstimate))
			}
		}
		if !r.Seen.IsZero() {
			add(age, base, strconv.FormatInt(int64(now.Sub(r.Seen)/time.Second), 10))
		}
		// Credit and budgets are the key's: once per provider and key,
		// from its first row (the account row when there is one).
		k := [2]string{s.Provider, s.Key}
		if keyDone[k] {
			continue
		}
		if c := s.Credit; c != nil {
			l := label("provider", s.Provider) + "," + label("key", s.Key) + "," + label("unit", c.Unit)
			if c.Remaining != nil {
				add(creditRemaining, l, floatValue(*c.Remaining))
			}
			if c.Granted != nil {
				add(creditGranted, l, floatValue(*c.Granted))
			}
			if c.ExpiresAt != nil {
				add(creditExpiry, l, strconv.FormatInt(c.ExpiresAt.Unix(), 10))
			}
			keyDone[k] = keyDone[k] || c.Remaining != nil || c.Granted != nil
		}
		if b := s.Budget; b != nil {
			l := label("provider", s.Provider) + "," + label("key", s.Key) + "," + label("unit", b.Unit)
			if b.Remaining != nil {
				add(budgetRemaining, l, floatValue(*b.Remaining))
			}
			if b.Limit != nil {
				add(budgetLimit, l, floatValue(*b.Limit))
			}
			keyDone[k] = true
		}
	}
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		if len(f.samples) == 0 {
			continue
		}
		bw.WriteString("# HELP " + f.name + " " + f.help + "\n")
		bw.WriteString("# TYPE " + f.name + " gauge\n")
		for _, s := range f.samples {
			bw.WriteString(s + "\n")
		}
	}
	return bw.Flush()
}

// windowName is a window's label value: "requests/minute", "tokens/10-second",
// "tokens" when the period is unknown.
func windowName(w quota.Window) string {
	if w.Period == "" || w.Period == quota.PeriodUnknown {
		return w.Metric
	}
	return w.Metric + "/" + w.Period
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func label(name, value string) string { return name + `="` + labelEscaper.Replace(value) + `"` }

func floatValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func boolValue(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
