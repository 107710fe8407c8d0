package prompt

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a flag value (pflag.Value) that is a duration and also takes
// bare seconds (--max-wait 5 is five seconds), as TIER_STDIN_TIMEOUT does.
type Duration struct{ D *time.Duration }

func (f Duration) String() string {
	if f.D == nil {
		return "0s"
	}
	return f.D.String()
}

// Set reads s: a Go duration (90s, 2m, 500ms) or a number of seconds.
func (f Duration) Set(s string) error {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		*f.D = d
		return nil
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil && secs >= 0 && secs < 1e9 {
		*f.D = time.Duration(secs * float64(time.Second))
		return nil
	}
	return fmt.Errorf("%q is not a duration: write e.g. 90s, 2m, 500ms or a number of seconds", s)
}

// Type is "duration", as pflag's own duration flag says.
func (f Duration) Type() string { return "duration" }
