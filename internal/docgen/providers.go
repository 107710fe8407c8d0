package docgen

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	tier "github.com/tier-cli/tier"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/quota"
)

// The providers table in README.md sits between these markers.
const (
	ProvidersStart = "<!-- providers:start -->"
	ProvidersEnd   = "<!-- providers:end -->"
)

// SpliceProviders replaces what lies between the markers in readme with
// table.
func SpliceProviders(readme []byte, table string) ([]byte, error) {
	start := bytes.Index(readme, []byte(ProvidersStart))
	end := bytes.Index(readme, []byte(ProvidersEnd))
	if start < 0 || end < start || bytes.Count(readme, []byte(ProvidersStart)) != 1 || bytes.Count(readme, []byte(ProvidersEnd)) != 1 {
		return nil, fmt.Errorf("%s needs one %s line and, after it, one %s line where the providers table goes", ReadmeFile, ProvidersStart, ProvidersEnd)
	}
	var out bytes.Buffer
	out.Write(readme[:start+len(ProvidersStart)])
	out.WriteString("\n" + table)
	out.Write(readme[end:])
	return out.Bytes(), nil
}

// ProvidersTable renders the built-in catalog (the repository's
// providers.yaml, not builtin_gen.go, so that it never lags behind) as a
// markdown table: one row per provider, the demo last.
func ProvidersTable() (string, error) {
	c, err := catalog.LoadBytes(tier.ProvidersYAML, nil, "")
	if err != nil {
		return "", err
	}
	return providersTable(c), nil
}

func providersTable(c *catalog.Catalog) string {
	var b strings.Builder
	b.WriteString("<!-- Generated from providers.yaml by `go generate ./...`: edit providers.yaml, not this table. -->\n\n")
	b.WriteString("| Provider | Name | Base URL | Key variable | Rate-limit headers | Free tier (as of; how sure) |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	var names, demos []string
	for _, n := range c.Names() {
		if c.Providers[n].Demo {
			demos = append(demos, n)
		} else {
			names = append(names, n)
		}
	}
	for _, n := range append(names, demos...) {
		p := c.Providers[n]
		row := []string{
			code(n),
			cell(p.DisplayName),
			baseURLCell(p),
			keyCell(p),
			headersCell(c.Dialect(p.Dialect), p),
			freeCell(p),
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	return b.String()
}

// cell escapes text for a table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	r := strings.NewReplacer(`|`, `\|`, `<`, `&lt;`, `>`, `&gt;`, "*", `\*`, "_", `\_`, "`", "\\`")
	return r.Replace(s)
}

func code(s string) string {
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

func baseURLCell(p *catalog.Profile) string {
	if p.Demo {
		return "none: answered offline by tier"
	}
	return code(p.BaseURL)
}

func keyCell(p *catalog.Profile) string {
	if p.NoKey {
		return "none needed"
	}
	var vars []string
	for _, v := range p.KeyEnv {
		vars = append(vars, code(v))
	}
	s := strings.Join(vars, " or ")
	if s == "" {
		s = "stored key only (tier keys)"
	}
	if ph := p.Placeholders(); len(ph) > 0 {
		var c []string
		for _, v := range ph {
			c = append(c, code(v))
		}
		s += "; base URL needs " + strings.Join(c, ", ")
	}
	return s
}

var periodAbbr = map[string]string{"minute": "min", "hour": "hour", "day": "day", "month": "month"}

// headersCell summarises which windows the dialect reads from response
// headers, e.g. "`groq`: requests/day; tokens/min".
func headersCell(d *quota.Dialect, p *catalog.Profile) string {
	var s string
	switch {
	case d == nil:
		s = "none"
	case len(d.Windows) == 0 && len(d.Patterns) > 0:
		s = code(p.Dialect) + ": " + patternsText(d)
	case len(d.Windows) == 0:
		s = "none"
		if d.DayResetTZ != "" {
			s += "; days end at midnight " + code(d.DayResetTZ)
		}
	default:
		type metric struct {
			name    string
			periods []string
		}
		var metrics []*metric
		byName := map[string]*metric{}
		hasRemaining, hasReset := false, false
		for _, w := range d.Windows {
			m := byName[w.Metric]
			if m == nil {
				m = &metric{name: strings.ReplaceAll(w.Metric, "_", " ")}
				byName[w.Metric] = m
				metrics = append(metrics, m)
			}
			m.periods = append(m.periods, w.Period)
			hasRemaining = hasRemaining || w.Remaining != ""
			hasReset = hasReset || w.Reset != ""
		}
		var parts []string
		for _, m := range metrics {
			var known []string
			unknown := false
			for _, per := range m.periods {
				if a, ok := periodAbbr[per]; ok {
					known = append(known, a)
				} else {
					unknown = true
				}
			}
			switch {
			case len(known) > 0:
				parts = append(parts, m.name+"/"+strings.Join(known, ", /"))
			case unknown:
				parts = append(parts, m.name)
			}
		}
		s = code(p.Dialect) + ": " + strings.Join(parts, "; ")
		var notes []string
		if allUnknown(d) {
			notes = append(notes, "window not stated")
		}
		switch {
		case !hasRemaining:
			notes = append(notes, "limits only")
		case !hasReset:
			notes = append(notes, "no reset")
		}
		if len(notes) > 0 {
			s += " (" + strings.Join(notes, ", ") + ")"
		}
		if len(d.Patterns) > 0 {
			s += "; any other window its names carry"
		}
	}
	if p.Balance != nil {
		s += "; balance from its API"
	}
	return s
}

// patternsText names the metrics of d's patterns: "requests, tokens, per
// any window the header names".
func patternsText(d *quota.Dialect) string {
	seen := map[string]bool{}
	var ms []string
	for _, pt := range d.Patterns {
		for _, k := range slices.Sorted(maps.Keys(pt.Metrics)) {
			if m := strings.ReplaceAll(pt.Metrics[k], "_", " "); !seen[m] {
				seen[m] = true
				ms = append(ms, m)
			}
		}
	}
	slices.Sort(ms)
	return strings.Join(ms, ", ") + " per any window the header names (10-second, minute, month, ...)"
}

func allUnknown(d *quota.Dialect) bool {
	for _, w := range d.Windows {
		if _, ok := periodAbbr[w.Period]; ok {
			return false
		}
	}
	return true
}

// freeCell lists the published limits of the free tier (or of every tier)
// and the free credit grants, each with its date and, when it is not
// official and current, how sure it is.
func freeCell(p *catalog.Profile) string {
	var items []string
	for _, l := range p.Limits {
		if l.Tier != "free" && l.Tier != "*" {
			continue
		}
		s := limitFigures(l)
		if m := modelsText(l.Models); m != "" {
			s += " on " + m
		}
		if l.Tier == "*" {
			s = "every tier: " + s
		}
		items = append(items, s+" "+factText(l.Fact))
	}
	for _, g := range p.Credits {
		if g.Tier != "free" && g.Tier != "" {
			continue
		}
		s := grantText(g)
		if g.Note != "" {
			s += ": " + cell(g.Note)
		}
		items = append(items, s+" "+factText(g.Fact))
	}
	if len(items) == 0 {
		return "none published"
	}
	return strings.Join(items, "<br>")
}

func limitFigures(l catalog.Limit) string {
	var f []string
	add := func(v *int64, unit string) {
		if v != nil {
			f = append(f, thousands(*v)+" "+unit)
		}
	}
	add(l.RPM, "req/min")
	add(l.RPH, "req/hour")
	add(l.RPD, "req/day")
	add(l.TPM, "tokens/min")
	add(l.TPH, "tokens/hour")
	add(l.TPD, "tokens/day")
	unit := strings.ReplaceAll(l.Unit, "_", " ")
	if unit == "" {
		unit = "units"
	}
	add(l.PerMinute, unit+"/min")
	add(l.PerDay, unit+"/day")
	add(l.PerMonth, unit+"/month")
	return strings.Join(f, ", ")
}

func modelsText(models []string) string {
	if len(models) == 0 || (len(models) == 1 && models[0] == "*") {
		return ""
	}
	if len(models) == 1 && strings.HasPrefix(models[0], "*") {
		return code(models[0]) + " models"
	}
	s := code(models[0])
	if len(models) > 1 {
		s += fmt.Sprintf(" and %d more", len(models)-1)
	}
	return s
}

func grantText(g catalog.Grant) string {
	var s string
	if g.Unit == "USD" {
		s = "$" + money(g.Amount) + " credit"
	} else {
		s = money(g.Amount) + " " + cell(g.Unit)
		if g.Amount == math.Trunc(g.Amount) && math.Abs(g.Amount) < 1e15 {
			s = thousands(int64(g.Amount)) + " " + cell(g.Unit)
		}
	}
	switch {
	case g.RenewMonthly:
		s += " a month"
	case g.RenewDays > 0:
		s += fmt.Sprintf(" every %d days", g.RenewDays)
	case g.ValidDays > 0:
		s += fmt.Sprintf(", valid %d days", g.ValidDays)
	}
	return s
}

var confidenceText = map[string]string{
	"third_party": "third-party source",
	"unverified":  "unverified",
	"dated":       "dated",
	"inferred":    "inferred",
}

func factText(f catalog.Fact) string {
	s := f.AsOf
	if f.Confidence != "" {
		c := confidenceText[f.Confidence]
		if c == "" {
			c = cell(f.Confidence)
		}
		s += "; " + c
	}
	return "(" + s + ")"
}

// money writes an amount with no trailing zeros, or with two decimals when
// it has cents.
func money(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// thousands writes n with commas: 1,000,000.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
