package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/help"
	"github.com/tier-cli/tier/internal/usage"
)

type usageOptions struct {
	daily, weekly, monthly bool
	since, by              string
	json                   bool
}

func newUsageCmd(env *Env) *cobra.Command {
	o := &usageOptions{}
	cmd := &cobra.Command{
		Use:   "usage",
		Short: "Show what tier's calls used and cost, per day, week or month",
		Long:  help.Usage,
		Example: `  tier usage
  tier usage --monthly --by provider
  tier usage --since 7d --by tag --json | jq '.total.cost'`,
		Args:              cobra.NoArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE:              func(cmd *cobra.Command, args []string) error { return runUsage(env, o) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.daily, "daily", false, "one row a day (the default)")
	f.BoolVar(&o.weekly, "weekly", false, "one row a week (from Monday)")
	f.BoolVar(&o.monthly, "monthly", false, "one row a month")
	f.StringVar(&o.since, "since", "", "only calls since a date (2026-12-01) or an age (36h, 7d, 2w, 3m)")
	f.StringVar(&o.by, "by", "", "group each period by provider, key, model or tag")
	jsonFlag(f, &o.json, "print the report as a JSON object")
	cmd.RegisterFlagCompletionFunc("by", cobra.FixedCompletions(usage.Groupings, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runUsage(env *Env, o *usageOptions) error {
	a := newApp(env)
	now := a.Now()
	q := usage.Query{Bucket: usage.Daily, By: o.by, Loc: localZone(env)}
	if n := btoi(o.daily) + btoi(o.weekly) + btoi(o.monthly); n > 1 {
		return usagef("--daily, --weekly and --monthly exclude each other: pass one")
	}
	switch {
	case o.weekly:
		q.Bucket = usage.Weekly
	case o.monthly:
		q.Bucket = usage.Monthly
	}
	if o.by != "" && !validGrouping(o.by) {
		return usagef("--by takes provider, key, model or tag, got %q", o.by)
	}
	if o.since != "" {
		t, err := usage.ParseSince(o.since, now, q.Loc)
		if err != nil {
			return usageErr(err)
		}
		q.Since = t
	}
	st, err := a.Store()
	if err != nil {
		return err
	}
	db, err := usage.New(st.Dir).Open()
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.Report(q)
	if err != nil {
		return err
	}
	if o.json {
		return writeJSONOut(env, rep)
	}
	if len(rep.Rows) == 0 {
		fmt.Fprintln(env.Stderr, "tier: no calls logged yet"+sinceText(o.since)+": every tier chat, probe and batch row is logged in usage.db as it is made")
		return nil
	}
	tty := env.isTerminal(env.Stdout)
	heads, rows := rep.Cells(tty)
	return env.table(heads, rows, env.theme(env.Stdout), nil)
}

// localZone is the time zone of TZ as the run's environment gives it (so
// tests can set it), else the process's local one.
func localZone(env *Env) *time.Location {
	if tz := strings.TrimPrefix(env.Getenv("TZ"), ":"); tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return time.Local
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func validGrouping(by string) bool {
	for _, g := range usage.Groupings {
		if g == by {
			return true
		}
	}
	return false
}

func sinceText(since string) string {
	if since == "" {
		return ""
	}
	return " since " + since
}
