package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/help"
)

func newBatchCmd(env *Env) *cobra.Command {
	o := &app.Batch{}
	var maxCost float64
	cmd := &cobra.Command{
		Use:   "batch [flags] INPUT.jsonl",
		Short: "Run many prompts as fast as the limits allow, without 429s; resumable",
		Long:  help.Batch,
		Example: `  tier batch -p groq requests.jsonl -o results.jsonl
  tier batch -p demo --prompts questions.txt -o answers.jsonl --reserve rpd=20
  tier batch -p groq requests.jsonl -o results.jsonl --dry-run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("max-cost") {
				if !(maxCost >= 0) {
					return usagef("--max-cost must not be negative")
				}
				o.MaxCost = &maxCost
			}
			if o.Output == "" {
				return usagef("--output is required (the results, and beside it the journal that makes the run resumable)")
			}
			o.Input = args[0]
			bio := app.BatchIO{Stdin: env.Stdin, Out: env.Stdout, Err: env.Stderr}
			bio.ErrTTY, bio.ErrWidth = env.terminal(env.Stderr)
			return newApp(env).Batch(cmd.Context(), *o, bio)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Provider, "provider", "p", "", "provider from the catalog (default: $TIER_PROVIDER, then the catalog's default)")
	f.StringVarP(&o.Model, "model", "m", "", "model id for every row (default: each row's body.model, then the provider's default)")
	keyFlag(f, &o.Key)
	f.StringVar(&o.Pool, "pool", "", "spread the rows over a pool's targets by their headroom (-p POOL does the same)")
	f.StringVarP(&o.Output, "output", "o", "", "output JSONL file (required); its journal is OUTPUT.journal")
	f.BoolVar(&o.Prompts, "prompts", false, "the input is one prompt a line (custom_id line-N)")
	f.StringSliceVar(&o.Reserve, "reserve", nil, "headroom to keep, e.g. rpd=20,tpm=1000 (rpm, rph, rpd, tpm, tph, tpd)")
	f.BoolVar(&o.DryRun, "dry-run", false, "print the plan (targets, estimated time and cost) and send nothing")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress on stderr")
	f.IntVar(&o.Concurrency, "concurrency", 32, "most calls in flight per quota")
	f.StringVar(&o.Tag, "tag", "", "label logged with each row's call in tier usage, e.g. a project or job (default: $TIER_TAG)")
	f.Float64Var(&maxCost, "max-cost", 0, "stop sending (exit 7) once the run could cost more than this, in the model's currency: worst cases at the catalog's price")
	durationVar(f, &o.MaxWait, "max-wait", 90*time.Second, "a quota that makes rows wait longer than this counts as run out (exit 5)")
	return cmd
}
