package ui

import (
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// WindowLabel names a window as the quota line does: "RPM", "TPD",
// "neurons/day", "requests" (period unknown).
func WindowLabel(w quota.Window) string { return windowLabel(w) }

// WindowCell renders a window's figure for a table cell, styled:
// "59/60 ↻41s", "~38/50", "40/40 (refilled)"; "" when it has no figure.
func WindowCell(w quota.Window, now time.Time, th Theme) string {
	fig := windowFigure(w, now)
	if fig == "" {
		return ""
	}
	return windowStyle(w, th).Render(fig)
}

// CreditCell renders a credit for a table cell, styled: "$4.98 of $5,
// expires in 62d"; "" when neither the balance nor the grant is known.
func CreditCell(c *quota.Credit, now time.Time, th Theme) string {
	if c == nil || (c.Remaining == nil && c.Granted == nil) {
		return ""
	}
	return creditStyle(c, now, th).Render(creditFigure(c, now))
}

// SortWindows returns the windows in display order: requests, tokens, other
// metrics; shortest period first.
func SortWindows(ws []quota.Window) []quota.Window { return sortedWindows(ws) }
