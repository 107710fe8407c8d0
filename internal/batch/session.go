package batch

import (
	"errors"
	"fmt"
	"github.com/tier-cli/tier/internal/budget"
	"io"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/pool"
)

// PoolTargets are the batch targets of a pool's targets, each with the
// quota it draws on and the catalog's limits.
func PoolTargets(ts []pool.Target) []Target {
	var out []Target
	for _, t := range ts {
		out = append(out, Target{Target: engine.Target{Profile: t.Profile, Key: t.Key, Model: t.Model},
			Name: t.Name(), Quota: t.Quota(), Limits: CatalogLimits(t.Profile, t.Model)})
	}
	return out
}

// OneTarget is the batch target of one provider's key and model ("" for
// each row's own).
func OneTarget(p *catalog.Profile, key, model string) Target {
	t := pool.Target{Profile: p, Key: key, Model: model}
	return Target{Target: engine.Target{Profile: p, Key: key, Model: model}, Name: p.Name + "/" + key + "/" + orDash(model),
		Quota: t.Quota(), Limits: CatalogLimits(p, model)}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Pending are the rows of rows that out has not written yet.
func Pending(rows []Row, out *Output) []Row {
	var todo []Row
	for _, r := range rows {
		if !out.Done(r.CustomID) {
			todo = append(todo, r)
		}
	}
	return todo
}

// WriteResumeNote says on w, when the run resumes one that stopped, how
// many of total rows path has already and that those in flight are sent
// again.
func WriteResumeNote(w io.Writer, path string, res Resume, total int) {
	if !res.Resumed {
		return
	}
	fmt.Fprintf(w, "tier: resuming %s: %d of %d rows already written", path, res.Finished, total)
	if n := len(res.InFlight); n > 0 {
		fmt.Fprintf(w, "; %d rows were in flight when it stopped and are sent again (calls are at-least-once, output rows exactly-once: the provider may bill them twice)", n)
	}
	fmt.Fprintln(w)
}

// ProgressWriter is a Config.Progress that writes to w: one line
// rewritten in place on a terminal (tty) width columns wide (0: not
// known), fitted to it, else a line at most every every.
func ProgressWriter(w io.Writer, tty bool, width int, every time.Duration) func(Progress) {
	var last time.Time
	return func(pr Progress) {
		if tty {
			fmt.Fprintf(w, "\r\x1b[K%s", FitProgress(pr, true, width))
		} else if now := time.Now(); now.Sub(last) >= every {
			last = now
			fmt.Fprintf(w, "tier: %s\n", FormatProgress(pr, false))
		}
	}
}

// AlertWriter is a Config.Alert that says each alert on w, a line each
// ("tier: budget nightly: 80% reached (...)"); on a terminal (tty) it first
// clears the progress line, which the next progress draws again below it.
func AlertWriter(w io.Writer, tty bool) func(budget.Alert) {
	note := NoteWriter(w, tty)
	return func(a budget.Alert) { note(a.Text()) }
}

// NoteWriter writes each note as a line of its own on w ("tier: ..."),
// clearing the progress line first on a terminal (tty).
func NoteWriter(w io.Writer, tty bool) func(string) {
	return func(msg string) {
		if tty {
			fmt.Fprint(w, "\r\x1b[K")
		}
		fmt.Fprintf(w, "tier: %s\n", msg)
	}
}

// Stopped is a run that ended before every row was written: interrupted
// (exit 130) or every target out of a day window or credit (exit 5).
type Stopped struct {
	Interrupted bool
	Err         error
}

func (e *Stopped) Error() string { return e.Err.Error() }
func (e *Stopped) Unwrap() error { return e.Err }

// Ended is err, what ended a run of todo early (Run's error), for people:
// a budget that refused the next row says, as --max-cost does, how many
// rows were not sent and how many written to path, and that the same
// command sends them; any other error is err as it is.
func Ended(err error, sum Summary, todo []Row, out *Output, path string) error {
	var r *budget.Refused
	if !errors.As(err, &r) {
		return err
	}
	left := len(todo) - (sum.Done - sum.Already)
	return &budget.Refused{Budget: r.Budget, Msg: fmt.Sprintf("stopped: %s; %d rows not sent, %d written to %s; run the same command once the budget allows to send them", r.Msg, left, out.Written(), path)}
}

// Outcome is how a run of todo (of total rows, written to path) ended: a
// *Stopped saying how to go on, or nil when every row was written.
func Outcome(sum Summary, todo []Row, total int, out *Output, path string) error {
	left := len(todo) - (sum.Done - sum.Already)
	switch {
	case sum.Capped:
		return &budget.Refused{Msg: fmt.Sprintf("stopped: %s; %d rows not sent, %d written to %s; run the same command with a higher --max-cost to send them", sum.CapWhy, sum.NotSent, out.Written(), path)}
	case sum.Interrupted:
		return &Stopped{Interrupted: true, Err: fmt.Errorf("interrupted: %d of %d rows written to %s; run the same command to resume (rows in flight are sent again)", out.Written(), total, path)}
	case sum.Exhausted:
		when := "once it has room again (the provider gave no reset time: a credit used up needs topping up)"
		if !sum.ResumeAt.IsZero() {
			when = "after " + sum.ResumeAt.Local().Format("Jan 2 15:04:05 MST")
		}
		why := "stopped: " + sum.Why
		if sum.AtReserve {
			why = sum.Why
		}
		return &Stopped{Err: fmt.Errorf("%s; %d rows not sent, %d written to %s; run the same command %s to go on", why, left, out.Written(), path, when)}
	}
	return nil
}

// WriteSummary writes the line that ends a run that wrote every row: the
// whole input's, those a stopped run wrote before said.
func WriteSummary(w io.Writer, sum Summary, path string) {
	already := ""
	if sum.Already > 0 {
		already = fmt.Sprintf("%d already done, ", sum.Already)
	}
	fmt.Fprintf(w, "tier: %d rows written to %s (%s%d failed: see their error), %d×429, in %s\n", sum.Done, path, already, sum.Failed, sum.RateLimited, sum.Elapsed.Round(100*time.Millisecond))
}

// RunHash is the hash a journal is kept for: the input, whether it is
// prompts, and the targets' names, so that a resume is of the same run.
func RunHash(input []byte, prompts bool, targets []Target) string {
	var names []string
	for _, t := range targets {
		names = append(names, t.Name)
	}
	return InputHash(input, fmt.Sprint(prompts, "|", strings.Join(names, ",")))
}
