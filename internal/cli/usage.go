package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/help"
	"github.com/tier-cli/tier/internal/usage"
)

type usageOptions struct {
	usage.Flags
	json bool
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
	f.BoolVar(&o.Daily, "daily", false, "one row a day (the default)")
	f.BoolVar(&o.Weekly, "weekly", false, "one row a week (from Monday)")
	f.BoolVar(&o.Monthly, "monthly", false, "one row a month")
	f.StringVar(&o.Since, "since", "", "only calls since a date (2026-12-01) or an age (36h, 7d, 2w, 3m)")
	f.StringVar(&o.By, "by", "", "group each period by provider, key, model or tag")
	jsonFlag(f, &o.json, "print the report as a JSON object")
	cmd.RegisterFlagCompletionFunc("by", cobra.FixedCompletions(usage.Groupings, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runUsage(env *Env, o *usageOptions) error {
	a := newApp(env)
	q, err := o.Query(a.Now(), a.Zone())
	if err != nil {
		return usageErr(err)
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
		fmt.Fprintln(env.Stderr, "tier: "+o.EmptyText())
		return nil
	}
	heads, rows := rep.Cells(env.terminal(env.Stdout))
	return env.table(heads, rows, env.theme(env.Stdout), nil)
}
