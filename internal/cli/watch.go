package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/watch"
)

// watchOptions are tier quota's --watch, --interval and --count.
type watchOptions struct {
	on       bool
	interval time.Duration
	count    int
}

// quotaWatchFlags registers --watch, --interval and --count on tier quota.
func quotaWatchFlags(cmd *cobra.Command, o *watchOptions) {
	f := cmd.Flags()
	f.BoolVarP(&o.on, "watch", "w", false, "a live view: countdowns tick, figures are read again every --interval (q quits); plain output off a terminal")
	durationVar(f, &o.interval, "interval", 2*time.Second, "with --watch, how often to read the state again")
	f.IntVar(&o.count, "count", 0, "with --watch, stop after this many readings (default: until q or interrupted)")
}

// checkQuotaWatch refuses --watch with what it cannot do, before anything
// is read.
func checkQuotaWatch(cmd *cobra.Command, o *quotaOptions) error {
	w := o.watch
	if !w.on {
		for _, name := range []string{"interval", "count"} {
			if cmd.Flags().Changed(name) {
				return usagef("--%s goes with --watch", name)
			}
		}
		return nil
	}
	switch {
	case w.interval <= 0:
		return usagef("--interval must be more than 0, e.g. --interval 2s")
	case w.count < 0:
		return usagef("--count must be 0 (until quit) or more")
	case o.json || o.format != "":
		return usagef("--watch shows the table: it does not go with --json, --jq or --format")
	case o.refresh || o.probe:
		return usagef("--watch reads local state only: run 'tier quota --refresh' apart")
	case o.require != "" || o.requireSet:
		return usagef("--watch does not go with --require (a gate is one check)")
	}
	return nil
}

// watchQuota shows tier quota's table live: full-screen on a terminal, the
// table every interval otherwise. Each reading is a fresh look at the
// state, so what other processes write shows up; between readings the
// countdowns tick with the clock.
func watchQuota(ctx context.Context, env *Env, o *quotaOptions, args []string) error {
	in, isFile := env.Stdin.(*os.File)
	tty, _ := env.Stdout.(*os.File)
	live := isFile && tty != nil && env.isTerminal(in) && env.isTerminal(tty)
	var rows []overview.Row
	var problem string
	var a *app.App
	// With TIER_SHARED every reading learns the fleet's snapshots first, as
	// tier quota does, through one connection; its warning goes under the
	// table.
	var fleetNotes bytes.Buffer
	fe := *env
	fe.Stderr = &fleetNotes
	fleetApp := newApp(&fe)
	frame := func(now time.Time, reload bool) (string, string) {
		if reload || rows == nil {
			fleet, ferr := fleetApp.LearnFleet(ctx)
			a = newApp(env)
			r, err := a.WatchRows(overview.Filter{Providers: args, Key: o.key, Model: o.model}, now, fleet)
			problem = ""
			if ferr != nil {
				problem = "tier: " + oneLine(ferr.Error()) + "\n"
			}
			if err != nil {
				problem += "tier: cannot read the state: " + oneLine(err.Error()) + "\n"
			} else {
				rows = r
			}
		}
		// The table is laid out for where it goes: the terminal (its width
		// and colours) in the live view, tab-separated plain text otherwise.
		var table, notes bytes.Buffer
		var term io.Writer = &table
		if live {
			term = tty
		}
		shown := overview.At(rows, now) // between readings, a reset that passes shows refilled
		printQuota(env, &table, &notes, term, a, shown, now, o)
		return table.String(), notes.String() + fleetNotes.String() + problem
	}
	wo := watch.Options{Interval: o.watch.interval, Count: o.watch.count, Now: env.clock()}
	if live {
		if err := watch.Live(ctx, in, tty, frame, wo); err != nil {
			return fmt.Errorf("the live view: %w", err)
		}
		return nil
	}
	return watch.Plain(ctx, env.Stdout, env.Stderr, frame, wo)
}
