package batch

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
)

// Price is a model's price per million tokens, in Currency.
type Price struct {
	Input, Output float64
	Currency      string
}

// PlanTarget is a target with what the plan knows of it.
type PlanTarget struct {
	Target
	// Price is nil when the catalog has none.
	Price *Price
	// Reported names the windows of Limits ("requests/minute") whose
	// figure is the one the provider last reported, not the catalog's.
	Reported map[string]bool
}

// Known is targets with the freshest limits known of each: those the
// provider last reported (the store's snapshots, completed by src) where
// it has, else the catalog's published ones.
func Known(src overview.Source, targets []PlanTarget) ([]PlanTarget, error) {
	out := make([]PlanTarget, len(targets))
	for i, t := range targets {
		out[i] = t
		model := t.Model
		if model == "" {
			model = t.Profile.DefaultModel
		}
		rows, err := src.Rows(overview.Filter{Providers: []string{t.Profile.Name}, Key: t.Key, Model: model})
		if err != nil {
			return nil, err
		}
		limits := append([]Limit(nil), t.Limits...)
		reported := map[string]bool{}
		for _, r := range rows {
			for _, w := range r.Snapshot.Windows {
				switch w.Source {
				case quota.SourceHeader, quota.SourceError, quota.SourceProjected, quota.SourceLearned:
				default:
					continue
				}
				if w.Limit == nil || *w.Limit <= 0 || w.Period == "" || w.Period == quota.PeriodUnknown {
					continue
				}
				k := w.Metric + "/" + w.Period
				if reported[k] {
					continue
				}
				reported[k] = true
				l := Limit{Metric: w.Metric, Period: w.Period, Limit: *w.Limit}
				if j := slices.IndexFunc(limits, func(l Limit) bool { return l.Metric+"/"+l.Period == k }); j >= 0 {
					limits[j] = l
				} else {
					limits = append(limits, l)
				}
			}
		}
		if len(reported) > 0 {
			out[i].Limits, out[i].Reported = limits, reported
		}
	}
	return out, nil
}

// limitsSaid says whose request limits t's time is at: "reported",
// "published", or "reported and published".
func (t PlanTarget) limitsSaid() string {
	var rep, pub bool
	for _, l := range t.Limits {
		if l.Metric != quota.Requests || l.Limit <= 0 {
			continue
		}
		if t.Reported[l.Metric+"/"+l.Period] {
			rep = true
		} else {
			pub = true
		}
	}
	switch {
	case rep && pub:
		return "reported and published"
	case rep:
		return "reported"
	}
	return "published"
}

// WritePlan writes what --dry-run prints: the targets, the rows, their
// estimated tokens, the time the known limits need, and the cost.
func WritePlan(w io.Writer, rows []Row, targets []PlanTarget, done int, minute time.Duration) {
	if minute <= 0 {
		minute = time.Minute
	}
	var prompt, reply int64
	for _, r := range rows {
		prompt += int64((r.Body.promptBytes() + 3) / 4)
		mt := r.Body.maxTokens()
		if mt == 0 {
			mt = 256
		}
		reply += int64(mt)
	}
	fmt.Fprintf(w, "rows: %d to send", len(rows))
	if done > 0 {
		fmt.Fprintf(w, " (%d already in the output)", done)
	}
	fmt.Fprintf(w, "\ntokens: ~%d prompt, at most ~%d reply (max_tokens, 256 where unset)\n", prompt, reply)
	fmt.Fprintln(w, "targets:")
	// Rows go to the quotas in proportion to their request rate, and
	// within one quota (the keys of a provider that counts per account)
	// to its targets evenly: two keys of one account are one rate, not
	// twice it. A quota's limits are those of its first target with
	// reported ones, else of its first with any.
	quotaOf := func(t PlanTarget) string { return cmp.Or(t.Quota, t.Name) }
	members := map[string][]string{}
	lead := map[string]PlanTarget{}
	for _, t := range targets {
		q := quotaOf(t)
		members[q] = append(members[q], t.Name)
		l, seen := lead[q]
		if !seen || len(l.Reported) == 0 && (len(t.Reported) > 0 || requestRate(l.Limits, minute) == 0 && requestRate(t.Limits, minute) > 0) {
			lead[q] = t
		}
	}
	rates := map[string]float64{}
	var total float64
	for q, l := range lead {
		rates[q] = requestRate(l.Limits, minute)
		total += rates[q]
	}
	var longest time.Duration
	known := total > 0
	said := map[string]bool{}
	for _, t := range targets {
		q := quotaOf(t)
		l, n := lead[q], len(members[q])
		line := "  " + t.Name + ": "
		quotaShare := float64(len(rows)) * float64(n) / float64(len(targets))
		if total > 0 {
			quotaShare = float64(len(rows)) * rates[q] / total
		}
		share := quotaShare / float64(n)
		if d, ok := needs(l.Limits, int64(math.Ceil(quotaShare)), minute); ok {
			line += fmt.Sprintf("~%d rows, ~%s at its %s limits", int64(math.Ceil(share)), quota.Countdown(d.Round(time.Second)), l.limitsSaid())
			said[l.limitsSaid()] = true
			longest = max(longest, d)
		} else {
			known = false
			line += "no published request limit (paced by what it reports)"
		}
		if n > 1 {
			var others []string
			for _, m := range members[q] {
				if m != t.Name {
					others = append(others, m)
				}
			}
			line += "; one quota with " + strings.Join(others, ", ")
		}
		if t.Price != nil {
			cost := (float64(prompt)*t.Price.Input + float64(reply)*t.Price.Output) / 1e6 * share / float64(max(len(rows), 1))
			line += fmt.Sprintf("; at most ~%.4f %s", cost, orUSD(t.Price.Currency))
		}
		fmt.Fprintln(w, line)
	}
	if !known {
		fmt.Fprintf(w, "time: not known for every target (at least ~%s)\n", quota.Countdown(longest.Round(time.Second)))
		return
	}
	whose := "published"
	switch {
	case said["reported and published"] || said["reported"] && said["published"]:
		whose = "reported and published"
	case said["reported"]:
		whose = "reported"
	}
	fmt.Fprintf(w, "time: ~%s at the %s limits (tokens, or limits reached elsewhere, may make it longer)\n", quota.Countdown(longest.Round(time.Second)), whose)
}

// requestRate is the request rate the minute-to-hour limits allow, per
// second (0: none published).
func requestRate(limits []Limit, minute time.Duration) float64 {
	rate := math.Inf(1)
	for _, l := range limits {
		if d := periodLength(l.Period, minute); l.Metric == quota.Requests && d <= periodLength(quota.PeriodHour, minute) {
			rate = min(rate, float64(l.Limit)/d.Seconds())
		}
	}
	if math.IsInf(rate, 1) {
		return 0
	}
	return rate
}

// needs is how long n rows take at the published request limits: spread
// over the short windows, waiting out whole long ones; false when none is
// published.
func needs(limits []Limit, n int64, minute time.Duration) (time.Duration, bool) {
	var d time.Duration
	ok := false
	for _, l := range limits {
		if l.Metric != quota.Requests || l.Limit <= 0 || n == 0 {
			continue
		}
		ok = true
		length := periodLength(l.Period, minute)
		if length <= periodLength(quota.PeriodHour, minute) {
			d = max(d, time.Duration(float64(n)*float64(length)/float64(l.Limit)))
		} else {
			d = max(d, time.Duration((n-1)/l.Limit)*length)
		}
	}
	return d, ok
}

func orUSD(c string) string {
	if c == "" {
		return "USD"
	}
	return c
}

// FormatProgress is one progress report: a bar on a terminal (to be
// written after "\r"), a plain line otherwise.
func FormatProgress(p Progress, tty bool) string {
	return FitProgress(p, tty, 0)
}

// barWidth is the progress bar's width, in cells, when the line fits.
const barWidth = 24

// FitProgress is FormatProgress for a terminal width columns wide (0: not
// known, nothing is cut). A line wider than the terminal wraps, and "\r"
// rewrites only its last row, so the screen fills with the rest: the bar
// narrows first, then the binding window, what is in flight and the bar
// itself are left out, and what still does not fit is cut with "…". It
// ends a column short of the edge, where some terminals wrap already.
func FitProgress(p Progress, tty bool, width int) string {
	rate := 0.0
	if p.Elapsed > 0 {
		rate = float64(p.Done-p.Already) / p.Elapsed.Seconds()
	}
	counts := fmt.Sprintf("%d/%d rows", p.Done, p.Total)
	if p.Already > 0 {
		counts += fmt.Sprintf(" (%d already done)", p.Already)
	}
	if p.Failed > 0 {
		counts += fmt.Sprintf(" (%d failed)", p.Failed)
	}
	rateText := fmt.Sprintf("%.1f/s", rate)
	inflight := fmt.Sprintf("%d in flight", p.InFlight)
	limited := fmt.Sprintf("%d×429", p.RateLimited)
	binding := ""
	if p.Binding != "" {
		binding = "held by " + p.Binding
	}
	eta := ""
	if p.ETA > 0 && p.Done < p.Total {
		eta = "ETA " + quota.Countdown(p.ETA.Round(time.Second))
	}
	line := func(bar int, parts ...string) string {
		var b strings.Builder
		if tty && bar > 0 {
			fill := 0
			if p.Total > 0 {
				fill = p.Done * bar / p.Total
			}
			b.WriteString("[" + strings.Repeat("█", fill) + strings.Repeat("·", bar-fill) + "] ")
		}
		b.WriteString(counts)
		for _, s := range parts {
			if s != "" {
				b.WriteString(" · " + s)
			}
		}
		return b.String()
	}
	full := line(barWidth, rateText, inflight, limited, binding, eta)
	cols := width - 1
	if !tty || width <= 0 || utf8.RuneCountInString(full) <= cols {
		return full
	}
	// The bar gives up cells down to 10, then the parts go, least needed
	// first.
	fits := func(s string) bool { return utf8.RuneCountInString(s) <= cols }
	over := utf8.RuneCountInString(full) - cols
	if bar := barWidth - over; bar >= 10 {
		return line(bar, rateText, inflight, limited, binding, eta)
	}
	for _, l := range []string{
		line(10, rateText, inflight, limited, eta),
		line(10, rateText, limited, eta),
		line(0, rateText, limited, eta),
	} {
		if fits(l) {
			return l
		}
	}
	short := []rune(line(0, rateText, limited, eta))
	if cols < 1 {
		return ""
	}
	return string(short[:cols-1]) + "…"
}

// Priced is targets with the catalog's prices of their models.
func Priced(targets []Target) []PlanTarget {
	var out []PlanTarget
	for _, t := range targets {
		pt := PlanTarget{Target: t}
		if m := t.Profile.Model(t.Model); m != nil && m.Price != nil {
			pt.Price = &Price{Input: m.Price.Input, Output: m.Price.Output, Currency: m.Price.Currency}
		}
		out = append(out, pt)
	}
	return out
}

// ParseReserve reads --reserve's WINDOW=N entries.
func ParseReserve(list []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, s := range list {
		k, v, ok := strings.Cut(s, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil || n < 0 || !ValidReserve(k) {
			return nil, fmt.Errorf("--reserve %q: want WINDOW=N, WINDOW one of rpm, rph, rpd, tpm, tph, tpd", s)
		}
		out[k] = n
	}
	return out, nil
}
