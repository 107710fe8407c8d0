package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/models"
)

// ModelsTable renders tier models' entries as table rows, with a
// provider column when withProvider; unknown cells are "-".
func ModelsTable(entries []models.Entry, withProvider bool, now time.Time, th Theme) ([]string, [][]string) {
	headers := []string{"model", "status", "free", "context", "price $/M in/out", "limits", "quota", "note"}
	if withProvider {
		headers = append([]string{"provider"}, headers...)
	}
	rows := make([][]string, 0, len(entries))
	for _, e := range entries {
		var notes []string
		if e.Default {
			notes = append(notes, "default")
		}
		if !e.Listed {
			notes = append(notes, th.Warning.Render("not listed"))
		}
		free := ""
		if e.Free {
			free = "yes" // a free model; "free tier": free within published limits
			if e.FreeReason == catalog.FreeTierReason {
				free = "free tier"
			}
		}
		ctxLen := ""
		if e.ContextLength > 0 {
			ctxLen = contextLabel(e.ContextLength)
		}
		q := ""
		if e.Quota != nil {
			s := e.Quota.Project(now)
			s.Provider, s.Model = "", ""
			q = strings.TrimPrefix(QuotaLine(s, now, th), " · ")
		}
		row := []string{e.ID, e.Status, free, ctxLen, priceCell(e.Price), limitsCell(e.Limits), q, strings.Join(notes, ", ")}
		if withProvider {
			row = append([]string{th.Provider.Render(e.Provider)}, row...)
		}
		for i := range row {
			if row[i] == "" {
				row[i] = "-"
			}
		}
		rows = append(rows, row)
	}
	return headers, rows
}

// doubtMark marks a catalog figure whose source is not official and current
// enough to be taken at face value.
func doubtMark(confidence string) string {
	switch confidence {
	case "", "third_party":
		return ""
	}
	return "?"
}

func priceCell(p *models.Price) string {
	if p == nil {
		return ""
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	var s string
	if p.Currency == "USD" {
		s = "$" + num(p.Input) + " / $" + num(p.Output)
	} else {
		s = num(p.Input) + " / " + num(p.Output) + " " + p.Currency
	}
	return s + doubtMark(p.Confidence)
}

// limitsCell renders "free: RPM 30 · RPD 14.4K; developer: …": one group a
// tier, each window once (the most specific limit wins, as listed first).
func limitsCell(ls []models.Limit) string {
	var tiers []string
	groups := map[string][]string{}
	seen := map[string]bool{}
	for _, l := range ls {
		if _, ok := groups[l.Tier]; !ok {
			tiers = append(tiers, l.Tier)
			groups[l.Tier] = nil
		}
		mark := doubtMark(l.Confidence)
		add := func(label string, v *int64) {
			if v == nil || seen[l.Tier+"\x00"+label] {
				return
			}
			seen[l.Tier+"\x00"+label] = true
			groups[l.Tier] = append(groups[l.Tier], label+" "+limitFigure(*v)+mark)
		}
		add("RPM", l.RPM)
		add("RPH", l.RPH)
		add("RPD", l.RPD)
		add("TPM", l.TPM)
		add("TPH", l.TPH)
		add("TPD", l.TPD)
		add(l.Unit+"/min", l.PerMinute)
		add(l.Unit+"/day", l.PerDay)
		add(l.Unit+"/month", l.PerMonth)
	}
	parts := make([]string, 0, len(tiers))
	for _, t := range tiers {
		name := t
		if t == "*" {
			name = "all tiers"
		}
		parts = append(parts, name+": "+strings.Join(groups[t], " · "))
	}
	return strings.Join(parts, "; ")
}

// limitFigure shows n exactly, in K, M or B from 10,000 on: 14400 → "14.4K".
func limitFigure(n int64) string {
	f := float64(n)
	switch {
	case n >= 1e9:
		return strconv.FormatFloat(f/1e9, 'f', -1, 64) + "B"
	case n >= 1e6:
		return strconv.FormatFloat(f/1e6, 'f', -1, 64) + "M"
	case n >= 1e4:
		return strconv.FormatFloat(f/1e3, 'f', -1, 64) + "K"
	}
	return strconv.FormatInt(n, 10)
}

// contextLabel shows a context length the usual way: 131072 → "128K",
// 1048576 → "1M", 32000 → "32K"; other sizes exactly.
func contextLabel(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + "M"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + "K"
	}
	return limitFigure(int64(n))
}

// Age says how long ago, in one unit: "45s", "12m", "3h", "2d".
func Age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(max(0, int(d/time.Second))) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}
