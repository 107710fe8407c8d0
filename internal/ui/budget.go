package ui

import (
	"time"

	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/quota"
)

// budgetSegment renders a key's spending cap: "key budget $12.25 of $20 a
// month ↻10d", or "" when it carries no figure.
func budgetSegment(b *quota.Budget, now time.Time) string {
	if b == nil || b.Limit == nil && b.Remaining == nil {
		return ""
	}
	seg := "key budget "
	switch {
	case b.Remaining != nil && b.Limit != nil:
		seg += formatAmount(*b.Remaining, b.Unit, false) + " of " + formatAmount(*b.Limit, b.Unit, true)
	case b.Remaining != nil:
		seg += formatAmount(*b.Remaining, b.Unit, false) + " left"
	default:
		seg += "limit " + formatAmount(*b.Limit, b.Unit, true)
	}
	if b.Period != "" {
		seg += " a " + b.Period
	}
	if b.ResetAt != nil && b.ResetAt.After(now) {
		seg += " ↻" + FormatCountdown(b.ResetAt.Sub(now))
	}
	if b.Source == quota.SourceProjected {
		seg += " (refilled)"
	}
	return seg
}

func budgetStyle(b *quota.Budget, th Theme) Style {
	switch {
	case b.Remaining != nil && *b.Remaining <= 0:
		return th.Exhausted
	case b.Remaining != nil && b.Limit != nil && *b.Remaining*10 < *b.Limit:
		return th.Low
	}
	return th.OK
}

// creditParts renders " (granted 10.00 CNY, topped up 100.00 CNY)" when
// the balance says how much of it is a grant and how much was paid in.
func creditParts(c *quota.Credit) string {
	if c.GrantedRemaining == nil || c.ToppedUpRemaining == nil {
		return ""
	}
	return " (granted " + formatAmount(*c.GrantedRemaining, c.Unit, false) +
		", topped up " + formatAmount(*c.ToppedUpRemaining, c.Unit, false) + ")"
}

// BudgetCell renders a key's budget for the CREDIT column of 'tier quota':
// "key budget $12.25 of $20 a month ↻10d", "" when there is none.
func BudgetCell(b *quota.Budget, now time.Time, th Theme) string {
	seg := budgetSegment(b, now)
	if seg == "" {
		return ""
	}
	return budgetStyle(b, th).Render(seg)
}

// learnedNote says when a limit that only an error named was learned:
// " (learned from an error on Nov 20)".
func learnedNote(w quota.Window) string {
	if w.LearnedAt == nil {
		return ""
	}
	return " (learned from an error on " + w.LearnedAt.UTC().Format("Jan 2") + ")"
}

// QuotaLineBudgets is QuotaLine with tier's own budgets in the call's
// scope after the provider's figures (its key cap among them), as 'tier
// quota' shows them together: "... · key budget $12.25 of $20 a month ·
// budget ci $0.40 of $2 today".
func QuotaLineBudgets(s quota.Snapshot, own []budget.Standing, now time.Time, th Theme) string {
	line := QuotaLine(s, now, th)
	for _, b := range own {
		style := th.OK
		switch {
		case b.Spent >= b.Limit:
			style = th.Exhausted
		case b.Spent*10 > b.Limit*9:
			style = th.Low
		}
		line += sep + style.Render(b.Segment())
	}
	return line
}
