package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/batch"
	"github.com/tier-cli/tier/internal/budget"
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
		Long: `Run every row of INPUT (OpenAI's batch JSONL: custom_id, method, url, body; or with --prompts
one prompt a line; - reads stdin) and write one result a row to --output, in the OpenAI Batch API's
output shape (id, custom_id, response {status_code, request_id, body}, error). A row that fails
has its error in its line: none is lost.

Each target's quota is paced from the freshest reading of its headers: (remaining - in flight -
reserve) spread over the time to its reset, token windows by an estimate of each prompt corrected
by the usage replies report, concurrency by that rate times the latency seen. A 429 pauses the
whole quota until the provider's hint. Providers that report nothing are paced by the catalog's
published limits. --reserve rpd=20 keeps headroom for interactive use. When a day window or the
credit runs out, the rows in flight are finished and written, tier says when it can go on, and
exits 5. --max-cost caps the run: once what the rows answered cost plus the worst case of those
in flight and of the next (its prompt + max_tokens at the catalog's price) would pass it, no more
rows are sent, the rows in flight are written, and tier exits 7 saying how many were not sent.

A journal next to the output (OUTPUT.journal) makes the run resumable: after a crash, kill -9 or
Ctrl-C, the same command skips the rows written and sends again the rows that were in flight (it
says so: calls are at-least-once, output rows exactly-once). Nothing else is ever sent twice.`,
		Example: `  tier batch -p groq requests.jsonl -o results.jsonl
  tier batch -p demo --prompts questions.txt -o answers.jsonl --reserve rpd=20
  tier batch -p groq requests.jsonl -o results.jsonl --dry-run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runBatch(cmd, env, o, args[0]) },
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
	targets, err := a.batchTargets(o, rows)
	if err != nil {
		return err
	}
	if err := a.checkState(chatState(targets[0].Profile)...); err != nil {
		return err
	}
	var names []string
	for _, t := range targets {
		names = append(names, t.Name)
	}
	hash := batch.InputHash(data, fmt.Sprint(o.prompts, "|", strings.Join(names, ",")))
	if o.dryRun {
		batch.WritePlan(env.Stdout, rows, batch.Priced(targets), 0, 0)
		return nil
	}
	out, res, err := batch.OpenOutput(o.output, hash)
	if err != nil {
		return usageErr(err)
	}
	defer out.Close()
	var todo []batch.Row
	for _, r := range rows {
		if !out.Done(r.CustomID) {
			todo = append(todo, r)
		}
	}
	if res.Resumed && !o.quiet {
		fmt.Fprintf(env.Stderr, "tier: resuming %s: %d of %d rows already written", o.output, res.Finished, len(rows))
		if n := len(res.InFlight); n > 0 {
			fmt.Fprintf(env.Stderr, "; %d rows were in flight when it stopped and are sent again (calls are at-least-once, output rows exactly-once: the provider may bill them twice)", n)
		}
		fmt.Fprintln(env.Stderr)
	}
	eng, err := a.engine()
	if err != nil {
		return err
	}
	tty := env.isTerminal(env.Stderr)
	cfg := batch.Config{Caller: eng, Targets: targets, Sink: out, Now: a.now, Reserve: reserve,
		MaxConcurrency: o.concurrency, MaxWait: o.maxWait, StallTimeout: stallTimeout, ProgressEvery: time.Second}
	if !tty {
		cfg.ProgressEvery = 10 * time.Second
	}
	if cmd.Flags().Changed("max-cost") {
		cfg.MaxCost = &o.maxCost
	}
	var last time.Time
	if !o.quiet {
		cfg.Progress = func(pr batch.Progress) {
			if tty {
				fmt.Fprintf(env.Stderr, "\r\x1b[K%s", batch.FormatProgress(pr, true))
			} else if now := time.Now(); now.Sub(last) >= cfg.ProgressEvery {
				last = now
				fmt.Fprintf(env.Stderr, "tier: %s\n", batch.FormatProgress(pr, false))
			}
		}
	}
	sum, err := batch.Run(cmd.Context(), cfg, todo)
	if tty && !o.quiet {
		fmt.Fprintln(env.Stderr)
	}
	if err != nil {
		return err
	}
	left := len(todo) - sum.Done
	switch {
	case sum.Capped:
		return &budget.Refused{Msg: fmt.Sprintf("stopped: %s; %d rows not sent, %d written to %s; run the same command with a higher --max-cost to send them", sum.CapWhy, sum.NotSent, out.Written(), o.output)}
	case sum.Interrupted:
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("interrupted: %d of %d rows written to %s; run the same command to resume (rows in flight are sent again)", out.Written(), len(rows), o.output)}
	case sum.Exhausted:
		when := "when it resets (the provider gave no time)"
		if !sum.ResumeAt.IsZero() {
			when = "after " + sum.ResumeAt.Local().Format("Jan 2 15:04:05 MST")
		}
		return exhaustedErr(fmt.Errorf("stopped: %s; %d rows not sent, %d written to %s; run the same command %s to go on", sum.Why, left, out.Written(), o.output, when))
	}
	if !o.quiet {
		fmt.Fprintf(env.Stderr, "tier: %d rows written to %s (%d failed: see their error), %d×429, in %s\n", sum.Done, o.output, sum.Failed, sum.RateLimited, sum.Elapsed.Round(100*time.Millisecond))
	}
	return nil
}

func readInput(env *Env, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(env.Stdin)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr(err)
	}
	return data, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
