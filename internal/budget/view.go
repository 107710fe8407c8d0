package budget

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
)

// SetText is what 'tier budget set' says of b once Set has written it
// with verb ("added", "changed"): its limit, period, mode and scope.
func SetText(b catalog.Budget, verb string) string {
	b.Normalize()
	return fmt.Sprintf("budget %s %s: %s %s a %s (%s), %s", b.Name, verb, strconv.FormatFloat(b.Limit, 'f', -1, 64), b.Unit, b.Period, b.Mode, Describe(b))
}

// Table is statuses as the cells of 'tier budget list' (StatusHeaders).
func Table(statuses []Status) [][]string {
	var table [][]string
	for _, s := range statuses {
		table = append(table, s.Cells())
	}
	return table
}

// WriteLines says where each budget stands, one "tier: " line each, as
// tier quota does below its table.
func WriteLines(w io.Writer, statuses []Status, now time.Time, loc *time.Location) {
	for _, s := range statuses {
		fmt.Fprintf(w, "tier: %s\n", s.Text(now, loc))
	}
}
