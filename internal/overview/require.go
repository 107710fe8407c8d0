package overview

import (
	"fmt"
	"github.com/tier-cli/tier/internal/lazyre"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/quota"
)

// Requirement is one term of 'tier quota --require', e.g. rpd=20 or
// credit=0.50: at least Min must be left.
type Requirement struct {
	Name   string // as written: "rpd", "credit", "neurons/day"
	Metric string // "" for credit
	Period string
	Min    float64
	// Unit is the credit's unit ("USD", "tokens"); "" takes the credit in
	// whatever unit it is.
	Unit string
}

var requirementNames = map[string][2]string{
	"rpm": {quota.Requests, quota.PeriodMinute},
	"rph": {quota.Requests, quota.PeriodHour},
	"rpd": {quota.Requests, quota.PeriodDay},
	"tpm": {quota.Tokens, quota.PeriodMinute},
	"tph": {quota.Tokens, quota.PeriodHour},
	"tpd": {quota.Tokens, quota.PeriodDay},
}

var validPeriods = map[string]bool{quota.PeriodMinute: true, quota.PeriodHour: true, quota.PeriodDay: true, quota.PeriodMonth: true, quota.PeriodUnknown: true}

// ParseRequirements reads "rpd=20,credit=0.50". Windows are rpm, rph, rpd,
// tpm, tph, tpd, credit, or METRIC/PERIOD (e.g. neurons/day).
func ParseRequirements(spec string) ([]Requirement, error) {
	var out []Requirement
	for _, term := range strings.Split(spec, ",") {
		term = strings.TrimSpace(term)
		if term == "" {
			continue
		}
		name, val, ok := strings.Cut(term, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("--require %q: write NAME=AMOUNT, e.g. rpd=20,credit=0.50", term)
		}
		r := Requirement{Name: name}
		if name == "credit" {
			amount, unit, ok := ParseAmount(val)
			if !ok {
				return nil, fmt.Errorf("--require credit: %q is not an amount: write it as 'tier keys set --credit' does, e.g. credit=0.50, credit=5USD, credit=$5 or credit=1000000tokens", strings.TrimSpace(val))
			}
			r.Min, r.Unit = amount, unit
		} else {
			min, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil || math.IsNaN(min) || math.IsInf(min, 0) || min < 0 {
				return nil, fmt.Errorf("--require %s: %q is not a non-negative number", name, val)
			}
			r.Min = min
		}
		switch mp, known := requirementNames[name]; {
		case name == "credit":
		case known:
			r.Metric, r.Period = mp[0], mp[1]
		case strings.Contains(name, "/"):
			m, p, _ := strings.Cut(name, "/")
			if m == "" || !validPeriods[p] {
				return nil, fmt.Errorf("--require %s: unknown window; use rpm, rph, rpd, tpm, tph, tpd, credit or METRIC/PERIOD with PERIOD minute, hour, day or month", name)
			}
			r.Metric, r.Period = m, p
		default:
			return nil, fmt.Errorf("--require %s: unknown window; use rpm, rph, rpd, tpm, tph, tpd, credit or METRIC/PERIOD (e.g. neurons/day)", name)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--require is empty: write e.g. rpd=20,credit=0.50")
	}
	return out, nil
}

// amountPattern is an amount with an optional currency symbol or unit.
var amountPattern = lazyre.New(`^([$€£]?)\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`)

// ParseAmount reads a credit amount as 'tier keys set --credit' does: 5USD,
// "5 usd", "$5", "€2.50", 1000000tokens, 2dollars; a bare number has no
// unit (""). 0 is allowed: "at least nothing".
func ParseAmount(s string) (amount float64, unit string, ok bool) {
	m := amountPattern().FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, "", false
	}
	amount, err := strconv.ParseFloat(m[2], 64)
	if err != nil || math.IsInf(amount, 0) {
		return 0, "", false
	}
	symbol, unit := m[1], m[3]
	switch {
	case symbol != "" && unit != "":
		return 0, "", false
	case symbol == "$":
		return amount, "USD", true
	case symbol == "€":
		return amount, "EUR", true
	case symbol == "£":
		return amount, "GBP", true
	}
	switch lu := strings.ToLower(unit); {
	case lu == "":
	case lu == "token" || lu == "tokens":
		unit = "tokens"
	case lu == "dollar" || lu == "dollars":
		unit = "USD"
	case len(lu) == 3:
		unit = strings.ToUpper(lu) // a currency code
	default:
		unit = lu
	}
	return amount, unit, true
}

// Unmet is a requirement a provider/key does not meet.
type Unmet struct {
	Provider, Key string
	Message       string
}

// Check tests every provider/key among rows against reqs: every model row
// that reports a window must have at least Min left in it. Credit is the
// provider/key's credit (any row that carries one). Estimates count, and
// the message says when a figure was one, except for a provider/key tier
// has never had an answer from: there an estimate of a window the provider
// itself reports is a guess, and the requirement is not known. A
// requirement nothing answers fails; allowUnknown excuses it only when the
// provider cannot report it (Row.Reportable), never because tier has not
// seen it yet: a gate must not pass when tier knows nothing.
func Check(rows []Row, reqs []Requirement, allowUnknown bool, now time.Time) []Unmet {
	type group struct{ provider, key string }
	var order []group
	byGroup := map[group][]Row{}
	for _, r := range rows {
		g := group{r.Snapshot.Provider, r.Snapshot.Key}
		if _, ok := byGroup[g]; !ok {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], r)
	}
	var out []Unmet
	for _, g := range order {
		for _, req := range reqs {
			out = append(out, checkGroup(g.provider, g.key, byGroup[g], req, allowUnknown, now)...)
		}
	}
	return out
}

func checkGroup(provider, key string, rows []Row, req Requirement, allowUnknown bool, now time.Time) []Unmet {
	who := provider
	if key != "" && key != keys.DefaultName {
		who += " (key " + key + ")"
	}
	unmet := func(format string, a ...any) Unmet {
		return Unmet{Provider: provider, Key: key, Message: who + ": " + fmt.Sprintf(format, a...)}
	}
	seen, reportable := false, false
	what := CreditKey
	if req.Metric != "" {
		what = quota.Window{Metric: req.Metric, Period: req.Period}.Key()
	}
	for _, r := range rows {
		seen = seen || !r.Seen.IsZero()
		reportable = reportable || r.Reportable[what]
	}
	name := strings.ToUpper(req.Name)
	if req.Metric == "" {
		name = "credit"
	}
	// notKnown is the failure of a requirement nothing answered.
	notKnown := func() []Unmet {
		switch {
		case reportable && !seen:
			return []Unmet{unmet("%s not known: tier has had no answer from %s yet (with its key, 'tier quota %s --refresh --probe' asks it)", name, provider, provider)}
		case reportable:
			return []Unmet{unmet("%s not reported in %s's last answers ('tier quota %s --refresh --probe' asks again; --allow-unknown does not excuse a figure the provider reports)", name, provider, provider)}
		case allowUnknown:
			return nil
		case req.Metric == "":
			return []Unmet{unmet("credit not reported (tier quota --refresh may learn it; --allow-unknown ignores it)")}
		}
		return []Unmet{unmet("%s not reported (the provider sends no such figure and the catalog publishes none; --allow-unknown ignores it)", name)}
	}
	// guess says an estimate stands for a figure the provider reports but
	// has never been asked for.
	guess := func(source string) bool { return source == quota.SourceEstimate && reportable && !seen }
	if req.Metric == "" { // credit
		for _, r := range rows {
			c := r.Snapshot.Credit
			if c == nil || c.Remaining == nil || guess(c.Source) {
				continue
			}
			left := *c.Remaining
			est := ""
			if c.Source == quota.SourceEstimate {
				est = " (estimate)"
			}
			need := fmtNum(req.Min)
			if req.Unit != "" {
				need += " " + req.Unit
			}
			if req.Unit != "" && !strings.EqualFold(req.Unit, c.Unit) {
				return []Unmet{unmet("credit is in %s, need %s", c.Unit, need)}
			}
			if c.ExpiresAt != nil && !c.ExpiresAt.After(now) {
				return []Unmet{unmet("credit expired %s ago, need %s", fmtDur(now.Sub(*c.ExpiresAt)), need)}
			}
			if left < req.Min {
				return []Unmet{unmet("credit %s %s left%s, need %s", fmtLeft(left), c.Unit, est, need)}
			}
			return nil
		}
		return notKnown()
	}
	var out []Unmet
	found := false
	for _, r := range rows {
		for _, w := range r.Snapshot.Windows {
			if w.Metric != req.Metric || w.Period != req.Period || w.Remaining == nil || guess(w.Source) {
				continue
			}
			found = true
			if float64(*w.Remaining) >= req.Min {
				continue
			}
			msg := fmt.Sprintf("%s %d left", name, *w.Remaining)
			if r.Snapshot.Model != "" {
				msg = r.Snapshot.Model + ": " + msg
			}
			if w.Source == quota.SourceEstimate {
				msg += " (estimate)"
			}
			msg += ", need " + fmtNum(req.Min)
			if w.ResetAt != nil && w.ResetAt.After(now) {
				msg += ", resets in " + fmtDur(w.ResetAt.Sub(now))
			}
			out = append(out, unmet("%s", msg))
		}
	}
	if !found {
		out = append(out, notKnown()...)
	}
	return out
}

// fmtNum prints at most four decimals: 4.9999924 → "5", 0.4567 → "0.4567".
func fmtNum(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
}

// fmtLeft is fmtNum rounded down, so that what is left never reads as
// more than it is: 4.9999924 → "4.9999", not "5" (next to "need 5").
func fmtLeft(v float64) string {
	return strconv.FormatFloat(math.Floor(v*1e4)/1e4, 'f', -1, 64)
}

// fmtDur is the countdown format of every tier message ("13h05m").
func fmtDur(d time.Duration) string { return quota.Countdown(d) }
