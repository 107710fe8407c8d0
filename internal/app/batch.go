package app

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tier-cli/tier/internal/batch"
	"github.com/tier-cli/tier/internal/quota"
)

// StallTimeout is how long a reply may send nothing at all (not even a
// keep-alive) before tier gives up on it: generous, as some reasoning
// models stream nothing while they think.
const StallTimeout = 10 * time.Minute

// Batch is what 'tier batch' is given (its flags checked).
type Batch struct {
	Input                  string // a file, or - for Stdin
	Provider, Pool, Tag    string
	Model, Key, Output     string
	Prompts, DryRun, Quiet bool
	Reserve                []string
	MaxWait                time.Duration
	Concurrency            int
	MaxCost                *float64 // nil: no cap
}

// BatchIO is where a batch reads its input from (when it is -) and says
// how it goes: the dry run's plan on Out, the progress and summary on Err
// (a line that redraws itself when ErrTTY, fitted to ErrWidth columns:
// 0 when not known).
type BatchIO struct {
	Stdin    io.Reader
	Out, Err io.Writer
	ErrTTY   bool
	ErrWidth int
}

// Batch runs b: the input read, the targets resolved, the output and its
// journal opened (rows already written skipped), then every row paced over
// the targets by batch.Run, with progress and a summary; with DryRun only
// the plan of what would be sent.
func (a *App) Batch(ctx context.Context, b Batch, bio BatchIO) error {
	if err := b.check(); err != nil {
		return err
	}
	reserve, err := batch.ParseReserve(b.Reserve)
	if err != nil {
		return usageErr(err)
	}
	data, err := readInput(b.Input, bio.Stdin)
	if err != nil {
		return err
	}
	rows, err := batch.ReadRows(bytes.NewReader(data), b.Prompts)
	if err != nil {
		return usageErr(fmt.Errorf("%s: %w", b.Input, err))
	}
	targets, err := a.BatchTargets(b.Pool, b.Provider, b.Model, b.Key, rows)
	if err != nil {
		return err
	}
	if err := a.CheckState(ChatState(targets[0].Profile)...); err != nil {
		return err
	}
	hash := batch.RunHash(data, b.Prompts, targets)
	if b.DryRun { // the plan of what a run would send: rows already written are not
		todo, err := batch.Unfinished(b.Output, hash, rows)
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
		batch.WritePlan(bio.Out, todo, known, len(rows)-len(todo), 0)
		return nil
	}
	out, res, err := batch.OpenOutput(b.Output, hash)
	if err != nil {
		return usageErr(err)
	}
	defer out.Close()
	todo := batch.Pending(rows, out)
	if !b.Quiet {
		batch.WriteResumeNote(bio.Err, b.Output, res, len(rows))
	}
	eng, err := a.Engine()
	if err != nil {
		return err
	}
	eng.Tag = cmp.Or(b.Tag, eng.Tag)
	cfg := batch.Config{Caller: eng, Targets: targets, Sink: out, Now: a.Now, Reserve: reserve, Already: len(rows) - len(todo),
		MaxConcurrency: b.Concurrency, MaxWait: b.MaxWait, StallTimeout: StallTimeout, ProgressEvery: time.Second, MaxCost: b.MaxCost,
		Stored: func(t batch.Target) (quota.Snapshot, bool) {
			if t.Model == "" {
				return quota.Snapshot{}, false // each row's own model
			}
			s, ok, err := eng.Store.Snapshot(t.Profile.Name, t.Key, t.Model)
			return s, ok && err == nil
		}}
	if !bio.ErrTTY {
		cfg.ProgressEvery = 10 * time.Second
	}
	if !b.Quiet {
		cfg.Progress = batch.ProgressWriter(bio.Err, bio.ErrTTY, bio.ErrWidth, cfg.ProgressEvery)
	}
	cfg.Alert = batch.AlertWriter(bio.Err, bio.ErrTTY && !b.Quiet)
	cfg.Note = batch.NoteWriter(bio.Err, bio.ErrTTY && !b.Quiet) // said with -q too: a warning, not progress
	sum, err := batch.Run(ctx, cfg, todo)
	if bio.ErrTTY && !b.Quiet {
		fmt.Fprintln(bio.Err)
	}
	if err != nil {
		return batch.Ended(err, sum, todo, out, b.Output)
	}
	if err := batch.Outcome(sum, todo, len(rows), out, b.Output); err != nil {
		return err
	}
	if !b.Quiet {
		batch.WriteSummary(bio.Err, sum, b.Output)
	}
	return nil
}

// check refuses flag values that mean nothing (they were taken for the
// defaults): no calls in flight, no wait at all.
func (b Batch) check() error {
	if b.Concurrency < 1 {
		return usagef("--concurrency %d: give at least 1 (the most calls in flight per quota; default 32)", b.Concurrency)
	}
	if b.MaxWait <= 0 {
		return usagef("--max-wait %s: give a duration above 0, e.g. 90s (how long a quota may hold rows back before it counts as run out)", b.MaxWait)
	}
	return nil
}

// readInput reads a batch's input: path, or stdin for -.
func readInput(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(stdin)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("cannot read the input: %w: give a JSONL file (one prompt a line with --prompts), or - for stdin", err)
	}
	return data, nil
}
