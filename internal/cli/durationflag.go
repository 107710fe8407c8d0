package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// durationFlag is a duration flag that also takes bare seconds (--max-wait
// 5 is five seconds), as TIER_STDIN_TIMEOUT does.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return "0s"
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		*f.d = d
		return nil
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil && secs >= 0 && secs < 1e9 {
		*f.d = time.Duration(secs * float64(time.Second))
		return nil
	}
	return fmt.Errorf("%q is not a duration: write e.g. 90s, 2m, 500ms or a number of seconds", s)
}

func (f durationFlag) Type() string { return "duration" }

// durationVar defines a durationFlag with a default.
func durationVar(fs *pflag.FlagSet, p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	fs.Var(durationFlag{p}, name, usage)
}
