package keys

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/lazyre"
)

// The grammar of a credit grant recorded with a key ('tier keys set
// --credit --granted --expires --valid-days'): amounts with a unit or a
// currency symbol, dates, and the grant they make. Errors are one line
// that names the flag and says what to write.

// GrantSpec is a credit grant as given on the command line: Credit is the
// amount with its unit ("" for no grant), Granted and Expires are dates
// ("" unset), ValidDays counts from Granted (0 unset).
type GrantSpec struct {
	Credit, Granted, Expires string
	ValidDays                int
}

// NewGrant builds the grant spec describes for a key of p, granted now
// unless spec says when; nil without a Credit. An expiry is recorded only
// when spec gives one: tier does not guess it.
func NewGrant(spec GrantSpec, p *catalog.Profile, now time.Time) (*Grant, error) {
	if spec.Credit == "" {
		for flag, set := range map[string]bool{"--granted": spec.Granted != "", "--expires": spec.Expires != "", "--valid-days": spec.ValidDays != 0} {
			if set {
				return nil, fmt.Errorf("%s needs --credit: say how much was granted, e.g. --credit 5USD", flag)
			}
		}
		return nil, nil
	}
	amount, unit, err := ParseCredit(spec.Credit, defaultCreditUnit(p))
	if err != nil {
		return nil, err
	}
	g := &Grant{Amount: amount, Unit: unit, Granted: now.UTC().Truncate(time.Second)}
	if spec.Granted != "" {
		if g.Granted, err = ParseDate("--granted", spec.Granted); err != nil {
			return nil, err
		}
	}
	switch {
	case spec.Expires != "" && spec.ValidDays != 0:
		return nil, fmt.Errorf("give --expires or --valid-days, not both")
	case spec.ValidDays < 0:
		return nil, fmt.Errorf("--valid-days must be a positive number of days")
	case spec.ValidDays > 0:
		g.Expires = g.Granted.Local().AddDate(0, 0, spec.ValidDays).UTC()
	case spec.Expires != "":
		if g.Expires, err = ParseDate("--expires", spec.Expires); err != nil {
			return nil, err
		}
	}
	if !g.Expires.IsZero() && !g.Expires.After(g.Granted) {
		return nil, fmt.Errorf("the credit would expire (%s) before it was granted (%s): check --expires and --granted",
			g.Expires.Local().Format("2006-01-02"), g.Granted.Local().Format("2006-01-02"))
	}
	return g, nil
}

// Describe says what g is: "5 USD granted 2026-11-01, expires 2026-12-01"
// (dates in local time).
func (g *Grant) Describe() string {
	s := formatAmount(g.Amount) + " " + g.Unit
	if !g.Granted.IsZero() {
		s += " granted " + g.Granted.Local().Format("2006-01-02")
	}
	if g.Expires.IsZero() {
		s += ", no expiry recorded"
	} else {
		s += ", expires " + g.Expires.Local().Format("2006-01-02")
	}
	return s
}

// formatAmount writes an amount with no more digits than it has: 5, 2.5.
func formatAmount(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// defaultCreditUnit is the unit of p's published credit grant, else USD.
func defaultCreditUnit(p *catalog.Profile) string {
	for _, g := range p.Credits {
		if g.Unit != "" {
			return g.Unit
		}
	}
	return "USD"
}

var creditPattern = lazyre.New(`^([$€£]?)\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`)

// ParseCredit reads an amount with an optional unit: 5USD, "5 usd", "$5",
// "€2.50", 1000000tokens; a bare number takes defUnit. A three-letter unit
// must be a currency code.
func ParseCredit(s, defUnit string) (float64, string, error) {
	bad := func() (float64, string, error) {
		return 0, "", fmt.Errorf("--credit %q: write an amount and a unit, e.g. 5USD, $5 or 1000000tokens", s)
	}
	m := creditPattern().FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return bad()
	}
	amount, err := strconv.ParseFloat(m[2], 64)
	if err != nil || amount <= 0 || math.IsInf(amount, 0) {
		return bad()
	}
	symbol, unit := m[1], m[3]
	if symbol != "" && unit != "" {
		return bad()
	}
	switch symbol {
	case "$":
		return amount, "USD", nil
	case "€":
		return amount, "EUR", nil
	case "£":
		return amount, "GBP", nil
	}
	switch lu := strings.ToLower(unit); {
	case lu == "":
		unit = defUnit
	case lu == "token" || lu == "tokens":
		unit = "tokens"
	case lu == "dollar" || lu == "dollars":
		unit = "USD"
	case len(lu) == 3:
		if unit, err = catalog.CurrencyCode(lu); err != nil {
			return 0, "", fmt.Errorf("--credit %q: %v", s, err)
		}
	default:
		unit = lu
	}
	return amount, unit, nil
}

// ParseDate reads the date given to flag: YYYY-MM-DD (midnight, local
// time) or RFC 3339.
func ParseDate(flag, s string) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Second), nil
	}
	return time.Time{}, fmt.Errorf("%s %q is not a date: write YYYY-MM-DD", flag, s)
}
