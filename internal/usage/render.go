package usage

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// barWidth is the widest bar of a report's chart, in cells.
const barWidth = 24

// FormatCost is a cost for people: "$0.0123" (USD), "1.20 CNY", "~" in
// front when estimated from the catalog's prices, "unknown" with no price
// at all, and "+N unknown" when some calls had none.
func FormatCost(t Totals) string {
	curs := make([]string, 0, len(t.Cost))
	for c := range t.Cost {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	var parts []string
	for _, c := range curs {
		parts = append(parts, Money(t.Cost[c], c))
	}
	s := strings.Join(parts, " + ")
	if s != "" && t.CostEstimated {
		s = "~" + s
	}
	switch {
	case t.UnknownCost > 0 && s == "":
		return "unknown"
	case t.UnknownCost > 0:
		return fmt.Sprintf("%s +%d unknown", s, t.UnknownCost)
	case s == "":
		return "-"
	}
	return s
}

// Money is amount in currency: "$0.0123" for USD, "1.20 CNY" otherwise,
// with enough digits that a small amount is not 0.00.
func Money(amount float64, currency string) string {
	digits := 2
	if a := math.Abs(amount); a > 0 && a < 1 {
		digits = 4
		if a < 0.0001 {
			digits = 6
		}
	}
	n := strconv.FormatFloat(amount, 'f', digits, 64)
	if a := math.Abs(amount); a > 0 && a < 0.000001 {
		// two significant digits, as a decimal (never 7e-07)
		n = strings.TrimRight(strconv.FormatFloat(amount, 'f', 1-int(math.Floor(math.Log10(a))), 64), "0")
	}
	if currency == "USD" || currency == "" {
		return "$" + n
	}
	return n + " " + currency
}

// Cells are the report as a table: headers and rows, the totals last; on
// a terminal (tty) width columns wide (0: not known), a chart column of
// each row's cost (or tokens, when some cost is unknown or in several
// currencies) against the largest, as wide as the other columns leave
// room for (at most barWidth cells; none under minBar), so that the
// figures are never cut or wrapped for it.
func (r Report) Cells(tty bool, width int) ([]string, [][]string) {
	heads, rows := r.cells()
	if !tty {
		return heads, rows
	}
	bar := barWidth
	if width > 0 {
		bar = min(bar, width-tableWidth(heads, rows)-colGap)
	}
	if bar < minBar {
		return heads, rows
	}
	measure, _ := r.measure()
	var most float64
	for _, row := range r.Rows {
		most = math.Max(most, measure(row.Totals))
	}
	heads = append(heads, "")
	for i := range rows {
		c := ""
		if i < len(r.Rows) && most > 0 {
			c = strings.Repeat("█", int(math.Round(measure(r.Rows[i].Totals)/most*float64(bar))))
		}
		rows[i] = append(rows[i], c)
	}
	return heads, rows
}

// minBar is the narrowest chart worth drawing; colGap is the space between
// the columns of a terminal's table (as internal/ui lays them out).
const (
	minBar = 4
	colGap = 2
)

// tableWidth is how wide heads and rows are, aligned.
func tableWidth(heads []string, rows [][]string) int {
	widths := make([]int, len(heads))
	for _, row := range append([][]string{heads}, rows...) {
		for i, c := range row {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(c))
			}
		}
	}
	sum := colGap * (len(widths) - 1)
	for _, w := range widths {
		sum += w
	}
	return sum
}

// cells are the report's headers and rows without a chart.
func (r Report) cells() ([]string, [][]string) {
	heads := []string{"day"}
	switch r.Bucket {
	case Weekly:
		heads[0] = "week of"
	case Monthly:
		heads[0] = "month"
	}
	if r.By != "" {
		heads = append(heads, r.By)
	}
	heads = append(heads, "requests", "input", "output", "tokens", "cost")
	var rows [][]string
	cells := func(period, group string, t Totals) []string {
		c := []string{period}
		if r.By != "" {
			c = append(c, group)
		}
		return append(c, strconv.FormatInt(t.Requests, 10), Tokens(t.PromptTokens), Tokens(t.CompletionTokens), Tokens(t.TotalTokens), FormatCost(t))
	}
	last := ""
	for _, row := range r.Rows {
		period := row.Period
		if period == last && r.By != "" {
			period = "" // one period, several groups: said once
		}
		last = row.Period
		group := row.Group
		if group == "" && r.By == "tag" {
			group = "(none)"
		}
		rows = append(rows, cells(period, group, row.Totals))
	}
	return heads, append(rows, cells("total", "", r.Total))
}

// measure is what the bars stand for: the cost when every call's is known
// in one currency, else the tokens.
func (r Report) measure() (func(Totals) float64, string) {
	if r.Total.UnknownCost == 0 && len(r.Total.Cost) == 1 {
		for cur := range r.Total.Cost {
			if r.Total.Cost[cur] > 0 {
				return func(t Totals) float64 { return t.Cost[cur] }, "cost"
			}
		}
	}
	return func(t Totals) float64 { return float64(t.TotalTokens) }, "tokens"
}

// Tokens is a token count for people: 950, 12.3k, 4.56M.
func Tokens(n int64) string {
	switch {
	case n < 10000:
		return strconv.FormatInt(n, 10)
	case n < 1e6:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(float64(n)/1e6, 'f', 2, 64) + "M"
}
