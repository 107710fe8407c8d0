package ui

// Count renders a window figure as every window figure reads: exact below
// 100,000, otherwise shortened with the digits dropped (962K, 1.5M); scale
// is the window's limit (see count).
func Count(n, scale int64) string { return count(n, scale) }

// Amount renders a credit amount as the quota line does: "$4.20", "110.00
// CNY", "1.2M tokens".
func Amount(v float64, unit string) string { return formatAmount(v, unit, false) }

// WindowStyle is the style of a window's figure: exhausted, low (under 10%
// left), estimated, or fine.
func WindowStyle(th Theme, exhausted, low, estimate bool) Style {
	switch {
	case exhausted:
		return th.Exhausted
	case low:
		return th.Low
	case estimate:
		return th.Estimate
	}
	return th.OK
}
