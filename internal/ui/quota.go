package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

const sep = " · "

// expirySoon is how close a credit's expiry must be to earn a warning.
const expirySoon = 7 * 24 * time.Hour

// QuotaLine renders one snapshot as a single line, e.g.
//
//	sambanova · Meta-Llama-3.1-8B-Instruct · RPM 59/60 ↻41s · RPD 38/40 ↻13h05m · credit $4.98, expires in 62d
//
// Windows come requests first, then tokens, then other metrics, each from
// the shortest period to the longest. Figures that were not reported are left
// out, never shown as 0; estimates carry a "~".
func QuotaLine(s quota.Snapshot, now time.Time, th Theme) string {
	parts := []string{th.Provider.Render(s.Provider)}
	if s.Model != "" {
		parts = append(parts, s.Model)
	}
	reported := false
	for _, w := range sortedWindows(s.Windows) {
		if seg := windowSegment(w, now); seg != "" {
			parts = append(parts, windowStyle(w, th).Render(seg))
			reported = true
		}
	}
	if c := s.Credit; c != nil && (c.Remaining != nil || c.Granted != nil) {
		parts = append(parts, creditStyle(c, now, th).Render(creditSegment(c, now)))
		reported = true
	}
	if seg := budgetSegment(s.Budget, now); seg != "" {
		parts = append(parts, budgetStyle(s.Budget, th).Render(seg))
		reported = true
	}
	if !reported {
		parts = append(parts, "limits not reported")
	}
	return strings.Join(parts, sep)
}

// ExpiryWarning returns a one-line warning when credit expires within 7 days
// or a window is exhausted, and "" otherwise.
func ExpiryWarning(s quota.Snapshot, now time.Time) string {
	var warns []string
	if c := s.Credit; CreditExpiringSoon(c, now) {
		what := "credit"
		if c.Remaining != nil {
			what += " " + creditAmount(c)
		}
		warns = append(warns, fmt.Sprintf("%s expires in %s: use it or lose it",
			what, FormatCountdown(c.ExpiresAt.Sub(now))))
	}
	for _, w := range sortedWindows(s.Windows) {
		if w.Remaining == nil || *w.Remaining > 0 {
			continue
		}
		msg := windowLabel(w) + " exhausted"
		if w.ResetAt != nil && w.ResetAt.After(now) {
			msg += ", resets in " + FormatCountdown(resetIn(w, now))
		}
		warns = append(warns, msg)
	}
	return strings.Join(warns, "; ")
}

// FormatCountdown renders a duration compactly: "41s", "5m03s", "13h05m",
// "2d04h", and days only from 10 days on ("62d"); see quota.Countdown.
func FormatCountdown(d time.Duration) string { return quota.Countdown(d) }

// windowSegment renders "RPM 59/60 ↻41s", or "" when the window carries
// no figure at all.
func windowSegment(w quota.Window, now time.Time) string {
	fig := windowFigure(w, now)
	if fig == "" {
		return ""
	}
	return windowLabel(w) + " " + fig
}

// windowFigure renders "59/60 ↻41s", "~38/50", "40/40 (refilled)", or ""
// when the window carries no figure.
func windowFigure(w quota.Window, now time.Time) string {
	tilde := ""
	if w.Source == quota.SourceEstimate {
		tilde = "~"
	}
	var fig string
	var scale int64
	if w.Limit != nil {
		scale = *w.Limit
	} else if w.Remaining != nil {
		scale = *w.Remaining
	}
	switch {
	case w.Remaining != nil && w.Limit != nil:
		fig = fmt.Sprintf("%s%s/%s", tilde, count(*w.Remaining, scale), count(*w.Limit, scale))
	case w.Remaining != nil:
		fig = fmt.Sprintf("%s%s left", tilde, count(*w.Remaining, scale))
	case w.Limit != nil:
		fig = fmt.Sprintf("limit %s%s", tilde, count(*w.Limit, scale))
	default:
		return ""
	}
	if w.ResetAt != nil && w.ResetAt.After(now) {
		fig += " ↻" + FormatCountdown(resetIn(w, now))
	}
	switch {
	case w.Source == quota.SourceProjected:
		fig += " (refilled)"
	case w.ObservedAt != nil && now.Sub(*w.ObservedAt) >= time.Second:
		// Kept from an older reply: its figures are that old.
		fig += " (seen " + FormatCountdown(now.Sub(*w.ObservedAt)) + " ago)"
	}
	return fig + learnedNote(w)
}

// windowLengths are the lengths of the periods a countdown may not exceed.
var windowLengths = map[string]time.Duration{quota.PeriodMinute: time.Minute, quota.PeriodHour: time.Hour, quota.PeriodDay: 24 * time.Hour}

// resetIn is the time until w resets, never more than its window is long:
// a reset rounded up to the second must not read "↻1m01s" for a minute.
func resetIn(w quota.Window, now time.Time) time.Duration {
	d := w.ResetAt.Sub(now)
	if l, ok := windowLengths[w.Period]; ok && d > l {
		return l
	}
	return d
}

func windowStyle(w quota.Window, th Theme) Style {
	switch {
	case w.Remaining != nil && *w.Remaining <= 0:
		return th.Exhausted
	case w.Remaining != nil && w.Limit != nil && *w.Remaining*10 < *w.Limit:
		return th.Low
	case w.Source == quota.SourceEstimate || w.Source == quota.SourceProjected:
		return th.Estimate
	default:
		return th.OK
	}
}

var shortLabels = map[[2]string]string{
	{quota.Requests, quota.PeriodMinute}: "RPM",
	{quota.Requests, quota.PeriodHour}:   "RPH",
	{quota.Requests, quota.PeriodDay}:    "RPD",
	{quota.Requests, quota.PeriodMonth}:  "req/month",
	{quota.Tokens, quota.PeriodMinute}:   "TPM",
	{quota.Tokens, quota.PeriodHour}:     "TPH",
	{quota.Tokens, quota.PeriodDay}:      "TPD",
	{quota.Tokens, quota.PeriodMonth}:    "tok/month",
	// Anthropic's own names for its input and output token buckets.
	{quota.InputTokens, quota.PeriodMinute}:  "ITPM",
	{quota.OutputTokens, quota.PeriodMinute}: "OTPM",
}

// windowLabel names a window: "RPM", "tok/month", "requests", "neurons/day".
func windowLabel(w quota.Window) string {
	if l, ok := shortLabels[[2]string{w.Metric, w.Period}]; ok {
		return l
	}
	if w.Period == "" || w.Period == quota.PeriodUnknown {
		return w.Metric
	}
	return w.Metric + "/" + w.Period
}

// sortedWindows returns a copy of ws in quota.SortWindows' order.
func sortedWindows(ws []quota.Window) []quota.Window {
	out := append([]quota.Window(nil), ws...)
	quota.SortWindows(out)
	return out
}

// creditSegment renders "credit $4.98 of $5, expires in 62d".
func creditSegment(c *quota.Credit, now time.Time) string {
	return "credit " + creditFigure(c, now)
}

// creditFigure renders "$4.98 of $5, expires in 62d". An estimate is
// marked the one way tier marks every estimate, a "~" before the figure:
// "~$4.98 of $5", "granted ~$5", "expires in ~62d".
func creditFigure(c *quota.Credit, now time.Time) string {
	est := c.Source == quota.SourceEstimate
	seg := ""
	switch {
	case c.Remaining != nil && *c.Remaining == 0 && c.Source == quota.SourceError:
		// A 402 says the balance ran out, not how much of what it was.
		seg += "used up"
	case c.Remaining != nil:
		seg += creditAmount(c)
		if c.Granted != nil && *c.Granted != *c.Remaining {
			seg += " of " + formatAmount(*c.Granted, c.Unit, true)
		}
		seg += creditParts(c)
	default:
		// Only the grant is known (e.g. recorded by the user).
		seg += "granted " + tildeIf(est) + formatAmount(*c.Granted, c.Unit, true)
	}
	if c.ExpiresAt != nil {
		seg += ", " + ExpiryText(*c.ExpiresAt, est, now)
	}
	return seg
}

// ExpiryText is how every credit expiry reads: "expires in 62d", "expires
// in ~62d" for an estimated one, "expired 3d01h ago".
func ExpiryText(at time.Time, estimated bool, now time.Time) string {
	left := at.Sub(now)
	if left <= 0 {
		return "expired " + FormatCountdown(-left) + " ago"
	}
	return "expires in " + tildeIf(estimated) + FormatCountdown(left)
}

func tildeIf(estimate bool) string {
	if estimate {
		return "~"
	}
	return ""
}

// creditAmount renders the remaining amount, with "~" for an estimate.
func creditAmount(c *quota.Credit) string {
	s := formatAmount(*c.Remaining, c.Unit, false)
	if c.Source == quota.SourceEstimate {
		s = "~" + s
	}
	return s
}

func creditStyle(c *quota.Credit, now time.Time, th Theme) Style {
	switch {
	case c.ExpiresAt != nil && !c.ExpiresAt.After(now):
		return th.Exhausted
	case c.Remaining != nil && *c.Remaining <= 0:
		return th.Exhausted
	case c.ExpiresAt != nil && expiresSoon(c, now):
		return th.Warning
	case c.Remaining != nil && c.Granted != nil && *c.Remaining*10 < *c.Granted:
		return th.Low
	case c.Source == quota.SourceEstimate || c.Source == quota.SourceProjected:
		return th.Estimate
	default:
		return th.OK
	}
}

// CreditExpiringSoon says whether credit that is left expires within
// expirySoon: its rows are highlighted and a warning says so, in the quota
// line and in tier quota alike.
func CreditExpiringSoon(c *quota.Credit, now time.Time) bool {
	return c != nil && c.ExpiresAt != nil && (c.Remaining == nil || *c.Remaining > 0) && expiresSoon(c, now)
}

func expiresSoon(c *quota.Credit, now time.Time) bool {
	left := c.ExpiresAt.Sub(now)
	return left > 0 && left <= expirySoon
}

// formatAmount renders money and token balances: "$4.98", "$0.004",
// "110.00 CNY", "1.2M tokens". whole drops ".00" from whole amounts
// ("of $5").
func formatAmount(v float64, unit string, whole bool) string {
	switch {
	case strings.EqualFold(unit, "USD") || unit == "$":
		sign := ""
		if v < 0 {
			sign, v = "-", -v
		}
		return sign + "$" + money(v, whole)
	case isCurrencyCode(unit):
		return money(v, whole) + " " + unit
	case unit == "":
		return money(v, whole)
	default:
		return compact(v) + " " + unit
	}
}

// money shows two decimals, or three significant figures below a cent.
func money(v float64, whole bool) string {
	a := math.Abs(v)
	if a > 0 && a < 0.01 {
		decimals := 2 - int(math.Floor(math.Log10(a)))
		s := strconv.FormatFloat(v, 'f', decimals, 64)
		return strings.TrimRight(s, "0")
	}
	s := strconv.FormatFloat(v, 'f', 2, 64)
	if whole {
		s = strings.TrimSuffix(s, ".00")
	}
	return s
}

// compactFrom is the limit from which a window's figures are shown in K and
// M, both of them, wherever tier shows windows (the quota line, every row
// of tier quota), so that no row mixes 199988/200000 with 999K/1M.
const compactFrom = 100_000

// count renders a window figure of a window whose limit is scale: exact
// when scale is below compactFrom, otherwise shortened with the digits
// dropped rather than rounded, so that what is shown is never more than
// what is left: 962K (962,792), 99.9K (99,994), 1M, 1.5M, 14.4M; below
// 1000 exact (5/1M). --json has the exact figures.
func count(n, scale int64) string {
	if scale < compactFrom || (n < 1000 && n > -1000) {
		return strconv.FormatInt(n, 10)
	}
	unit, suffix := int64(1_000), "K"
	switch {
	case n >= 1_000_000_000_000: // monthly token budgets (Mistral)
		unit, suffix = 1_000_000_000_000, "T"
	case n >= 1_000_000_000:
		unit, suffix = 1_000_000_000, "B"
	case n >= 1_000_000:
		unit, suffix = 1_000_000, "M"
	}
	whole, frac := n/unit, n%unit*10/unit // one decimal, truncated
	if whole >= 100 || frac == 0 {
		return strconv.FormatInt(whole, 10) + suffix
	}
	return strconv.FormatInt(whole, 10) + "." + strconv.FormatInt(frac, 10) + suffix
}

// compact shows large counts with K/M/B and one decimal: 1.2M, 950, 12.5K.
func compact(v float64) string {
	suffixes := []string{"", "K", "M", "B", "T"}
	i := 0
	for i < len(suffixes)-1 && math.Abs(v) >= 999.95 {
		v /= 1000
		i++
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + suffixes[i]
}

func isCurrencyCode(u string) bool {
	if len(u) != 3 {
		return false
	}
	for _, r := range u {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
