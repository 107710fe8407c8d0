package quota

import (
	"fmt"
	"time"
)

// Countdown renders the time until a reset compactly: "41s", "5m03s", "13h05m",
// "2d04h", and days only from 10 days on ("62d"). Seconds round up, so a
// wait never shows as "0s" while it lasts; hours and minutes truncate; days
// alone round to the nearest, so that a 90-day credit granted seconds ago
// reads "90d", not "89d".
func Countdown(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	secs := int64((d + time.Second - 1) / time.Second)
	const minute, hour, day = 60, 3600, 86400
	switch {
	case secs < minute:
		return fmt.Sprintf("%ds", secs)
	case secs < hour:
		return fmt.Sprintf("%dm%02ds", secs/minute, secs%minute)
	case secs < day:
		return fmt.Sprintf("%dh%02dm", secs/hour, secs%hour/minute)
	case secs < 10*day:
		return fmt.Sprintf("%dd%02dh", secs/day, secs%day/hour)
	default:
		return fmt.Sprintf("%dd", (secs+day/2)/day)
	}
}
