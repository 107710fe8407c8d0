package ui

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/overview"
)

// WriteQuota writes the rows of 'tier quota' as its table on out, fitted
// to width and styled as th says, and its legend and warnings on errw;
// with no rows, what to do instead (selection: overview.Selection of
// --key and --model, "" when neither was given).
func WriteQuota(out, errw io.Writer, rows []overview.Row, now time.Time, th Theme, width int, selection string) error {
	if len(rows) == 0 {
		if selection != "" {
			fmt.Fprintf(errw, "tier: nothing seen yet for %s: 'tier quota' lists everything seen\n", selection)
		} else {
			fmt.Fprintln(errw, "tier: nothing seen yet: run 'tier chat' (try 'tier chat -p demo hello'), or 'tier quota --refresh', or name a provider (tier quota groq)")
		}
		return nil
	}
	qrows := make([]QuotaRow, len(rows))
	for i, r := range rows {
		qrows[i] = QuotaRow{Snapshot: r.Snapshot, Seen: r.Seen, ExpiryEstimated: r.ExpiryEstimated}
	}
	headers, table, notes := QuotaTable(qrows, now, th)
	err := FitTable(out, headers, table, th.Color(), th, width)
	if len(notes) > 0 {
		fmt.Fprintln(errw, strings.Join(notes, " · "))
	}
	for _, w := range QuotaWarnings(qrows, now) {
		fmt.Fprintf(errw, "tier: warning: %s\n", w)
	}
	return err
}
