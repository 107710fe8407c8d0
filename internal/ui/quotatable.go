package ui

import (
	"slices"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/quota"
)

// QuotaRow is one row of tier quota's table: a snapshot completed with
// what is left, when the provider last answered for it (zero: never), and
// whether its credit expiry is an estimate.
type QuotaRow struct {
	Snapshot        quota.Snapshot
	Seen            time.Time
	ExpiryEstimated bool
}

// QuotaTable lays rows out as tier quota's table: one column per window
// any row has, in display order, then credit, its expiry (when any row has
// one) and how old the figures are; "-" for what is not reported. Rows
// whose credit expires soon are highlighted. notes is the legend of the
// marks the table uses.
func QuotaTable(rows []QuotaRow, now time.Time, th Theme) (headers []string, table [][]string, notes []string) {
	type window struct{ metric, period string }
	col := map[window]int{}
	var distinct []quota.Window
	hasExpiry := false
	for _, r := range rows {
		for _, w := range r.Snapshot.Windows {
			if _, ok := col[window{w.Metric, w.Period}]; !ok {
				col[window{w.Metric, w.Period}] = 0
				distinct = append(distinct, quota.Window{Metric: w.Metric, Period: w.Period})
			}
		}
		if c := r.Snapshot.Credit; c != nil && c.ExpiresAt != nil {
			hasExpiry = true
		}
	}
	cols := SortWindows(distinct)
	for i, c := range cols {
		col[window{c.Metric, c.Period}] = i
	}
	headers = []string{"provider", "key", "model"}
	for _, c := range cols {
		headers = append(headers, WindowLabel(c))
	}
	headers = append(headers, "credit")
	if hasExpiry {
		headers = append(headers, "expires")
	}
	headers = append(headers, "seen")
	var legend struct{ missing, estimate, expiry, refilled, account bool }
	for _, r := range rows {
		s := r.Snapshot
		model := s.Model
		if model == "" {
			model, legend.account = "(account)", true
		}
		soon := CreditExpiringSoon(s.Credit, now)
		hl := func(st Style, text string) string {
			if soon {
				return th.Warning.Render(text)
			}
			return st.Render(text)
		}
		row := []string{hl(th.Provider, s.Provider), hl(Style{}, s.Key), hl(Style{}, model)}
		cells := make([]string, len(cols))
		for _, w := range s.Windows {
			if v := WindowCell(w, now, th); v != "" {
				cells[col[window{w.Metric, w.Period}]] = v
				legend.estimate = legend.estimate || w.Source == quota.SourceEstimate
				legend.refilled = legend.refilled || w.Source == quota.SourceProjected
			}
		}
		for i, cell := range cells {
			if cell == "" {
				cells[i], legend.missing = "-", true
			}
		}
		row = append(row, cells...)
		credit, expires := "", ""
		if c := s.Credit; c != nil {
			amount := *c
			amount.ExpiresAt = nil // in its own column
			credit = CreditCell(&amount, now, th)
			legend.estimate = legend.estimate || (c.Source == quota.SourceEstimate && c.Remaining != nil)
			if c.ExpiresAt != nil {
				expires = expiryCell(*c.ExpiresAt, r.ExpiryEstimated, soon, now, th)
				legend.expiry = legend.expiry || r.ExpiryEstimated
			}
		}
		if b := BudgetCell(s.Budget, now, th); b != "" { // a key's spending cap, beside any credit
			credit = strings.TrimPrefix(credit+"; "+b, "; ")
		}
		if credit == "" {
			credit, legend.missing = "-", true
		}
		row = append(row, credit)
		if hasExpiry {
			if expires == "" {
				expires = "-"
			}
			row = append(row, expires)
		}
		seen := "never"
		if !r.Seen.IsZero() {
			seen = FormatCountdown(now.Sub(r.Seen)) + " ago"
		}
		row = append(row, seen)
		table = append(table, row)
	}
	if legend.missing {
		notes = append(notes, "- not reported")
	}
	if legend.estimate {
		notes = append(notes, "~ estimated from calls made through tier (calls made elsewhere are not counted)")
	}
	if legend.expiry {
		notes = append(notes, "~ expiry: the catalog's published validity, counted from when the key was added or first used")
	}
	if legend.refilled {
		notes = append(notes, "(refilled) reset since last seen")
	}
	if legend.account {
		notes = append(notes, "(account) the whole key, from its balance endpoint or GET /models")
	}
	return headers, table, notes
}

// expiryCell renders "in 62d (2027-01-22)", "in ~62d (2027-01-22)" for an
// estimate, or "expired 3d ago (2026-11-18)": the words of the quota line
// (ExpiryText) in a column headed "expires".
func expiryCell(at time.Time, estimated, soon bool, now time.Time, th Theme) string {
	date := at.In(time.Local).Format("2006-01-02")
	text := strings.TrimPrefix(ExpiryText(at, estimated, now), "expires ") + " (" + date + ")"
	if !at.After(now) {
		return th.Exhausted.Render(text)
	}
	switch {
	case soon:
		return th.Warning.Render(text)
	case estimated:
		return th.Estimate.Render(text)
	}
	return text
}

// QuotaWarnings are tier quota's warnings, as chat's quota line gives
// them: once per provider and key whose credit expires soon, and once per
// row with an exhausted window.
func QuotaWarnings(rows []QuotaRow, now time.Time) []string {
	var out []string
	warned := map[string]bool{}
	for _, r := range rows {
		s := r.Snapshot
		who := s.Provider
		if s.Key != "" && s.Key != keys.DefaultName {
			who += " (key " + s.Key + ")"
		}
		if CreditExpiringSoon(s.Credit, now) && !warned[who] {
			warned[who] = true
			msg := ExpiryWarning(quota.Snapshot{Credit: s.Credit}, now)
			if r.ExpiryEstimated {
				msg += " (the expiry is an estimate)"
			}
			out = append(out, who+": "+msg)
		}
		if !slices.ContainsFunc(s.Windows, func(w quota.Window) bool { return w.Remaining != nil && *w.Remaining <= 0 }) {
			continue
		}
		windows := s
		windows.Credit = nil
		if w := ExpiryWarning(windows, now); w != "" {
			model := s.Model
			if model == "" {
				model = "(account)"
			}
			out = append(out, who+" "+model+": "+w)
		}
	}
	return out
}
