package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/batch"
	"github.com/tier-cli/tier/internal/help"
)

type batchOptions struct {
	provider, model, key, output string
	pool                         string
	prompts, dryRun, quiet       bool
	reserve                      []string
	maxWait                      time.Duration
	concurrency                  int
	maxCost                      float64
}

func newBatchCmd(env *Env) *cobra.Command {
	o := &batchOptions{}
	cmd := &cobra.Command{
		Use:   "batch [flags] INPUT.jsonl",
		Short: "Run many prompts as fast as the limits allow, without 429s; resumable",
		Long:  help.Batch,
		Example: `  tier batch -p groq requests.jsonl -o results.jsonl
  tier batch -p demo --prompts questions.txt -o answers.jsonl --reserve rpd=20
  tier batch -p groq requests.jsonl -o results.jsonl --dry-run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBatch(cmd, env, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.provider, "provider", "p", "", "provider from the catalog (default: $TIER_PROVIDER, then the catalog's default)")
	f.StringVarP(&o.model, "model", "m", "", "model id for every row (default: each row's body.model, then the provider's default)")
	f.StringVar(&o.key, "key", "default", "name of the stored key to use")
	f.StringVar(&o.pool, "pool", "", "spread the rows over a pool's targets by their headroom (-p POOL does the same)")
	f.StringVarP(&o.output, "output", "o", "", "output JSONL file (required); its journal is OUTPUT.journal")
	f.BoolVar(&o.prompts, "prompts", false, "the input is one prompt a line (custom_id line-N)")
	f.StringSliceVar(&o.reserve, "reserve", nil, "headroom to keep, e.g. rpd=20,tpm=1000 (rpm, rph, rpd, tpm, tph, tpd)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the plan (targets, estimated time and cost) and send nothing")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress on stderr")
	f.IntVar(&o.concurrency, "concurrency", 32, "most calls in flight per quota")
	f.Float64Var(&o.maxCost, "max-cost", 0, "stop sending (exit 7) once the run could cost more than this, in the model's currency: worst cases at the catalog's price")
	durationVar(f, &o.maxWait, "max-wait", 90*time.Second, "a quota that makes rows wait longer than this counts as run out (exit 5)")
	return cmd
}

func runBatch(cmd *cobra.Command, env *Env, o *batchOptions, input string) error {
	if cmd.Flags().Changed("max-cost") && !(o.maxCost >= 0) {
		return usagef("--max-cost must not be negative")
	}
	if o.output == "" {
		return usagef("--output is required (the results, and beside it the journal that makes the run resumable)")
	}
	reserve, err := batch.ParseReserve(o.reserve)
	if err != nil {
		return usageErr(err)
	}
	data, err := readInput(env, input)
	if err != nil {
		return err
	}
	rows, err := batch.ReadRows(bytes.NewReader(data), o.prompts)
	if err != nil {
		return usageErr(fmt.Errorf("%s: %w", input, err))
	}
	a := newApp(env)
	targets, err := a.BatchTargets(o.pool, o.provider, o.model, o.key, rows)
	if err != nil {
		return err
	}
	if err := a.CheckState(app.ChatState(targets[0].Profile)...); err != nil {
		return err
	}
	hash := batch.RunHash(data, o.prompts, targets)
	if o.dryRun { // the plan of what a run would send: rows already written are not
		todo, err := batch.Unfinished(o.output, hash, rows)
		if err != nil {
			return usageErr(err)
		}
		eng, err := a.Engine()
		if err != nil {
			return err
		}
		known, err := batch.Known(eng.Overview(), batch.Priced(targets))
		if err != nil {
			return err
		}
		batch.WritePlan(env.Stdout, todo, known, len(rows)-len(todo), 0)
		return nil
	}
	out, res, err := batch.OpenOutput(o.output, hash)
	if err != nil {
		return usageErr(err)
	}
	defer out.Close()
	todo := batch.Pending(rows, out)
	if !o.quiet {
		batch.WriteResumeNote(env.Stderr, o.output, res, len(rows))
	}
	eng, err := a.Engine()
	if err != nil {
		return err
	}
	tty := env.isTerminal(env.Stderr)
	cfg := batch.Config{Caller: eng, Targets: targets, Sink: out, Now: a.Now, Reserve: reserve, Already: len(rows) - len(todo),
		MaxConcurrency: o.concurrency, MaxWait: o.maxWait, StallTimeout: stallTimeout, ProgressEvery: time.Second}
	if !tty {
		cfg.ProgressEvery = 10 * time.Second
	}
	if cmd.Flags().Changed("max-cost") {
		cfg.MaxCost = &o.maxCost
	}
	if !o.quiet {
		cfg.Progress = batch.ProgressWriter(env.Stderr, tty, cfg.ProgressEvery)
	}
	sum, err := batch.Run(cmd.Context(), cfg, todo)
	if tty && !o.quiet {
		fmt.Fprintln(env.Stderr)
	}
	if err != nil {
		return err
	}
	if err := batch.Outcome(sum, todo, len(rows), out, o.output); err != nil {
		return err
	}
	if !o.quiet {
		batch.WriteSummary(env.Stderr, sum, o.output)
	}
	return nil
}

func readInput(env *Env, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(env.Stdin)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("cannot read the input: %w: give a JSONL file (one prompt a line with --prompts), or - for stdin", err)
	}
	return data, nil
}
