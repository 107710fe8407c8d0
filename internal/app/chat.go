package app

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/chat"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/pool"
	"github.com/tier-cli/tier/internal/prompt"
	"github.com/tier-cli/tier/internal/ui"
)

// Chat is what 'tier chat' is given.
type Chat struct {
	Provider, Pool, Model, Key string
	System, Tag                string
	Args                       []string // the prompt's words
	Limits                     chat.Limits
	MaxCost                    *float64 // nil: none given
	NoStdin, NoStream          bool
	JSON                       bool // --json: the reply is kept for the object, not written to Out
	Quiet                      bool // no stdin note, pool note or quota line (alerts still)
}

// ChatIO is a chat's streams: the prompt's stdin (never read when it is a
// terminal), the reply on Out, the notes after it on Err in Theme, and
// the wait between retries (nil: none shown, the engine sleeps).
type ChatIO struct {
	Stdin    io.Reader
	StdinTTY bool
	Out, Err io.Writer
	Theme    ui.Theme
	Wait     func(ctx context.Context, d time.Duration, why string) error
}

// ChatDone is what a chat came to: who it went to (or would have: the
// provider, model and key a failure names), the pool's run (nil for no
// pool), the engine's result, and the call's own failure (the reply
// refused or cut, or not written to Out).
type ChatDone struct {
	Provider, Model, Key string
	Pool                 *pool.Run
	Result               engine.Result
	CallErr              error
}

// Chat sends one chat: the target picked (a pool's first with headroom,
// or the provider), the flags and the state checked before stdin is read
// or anything spent, the prompt read, the call made through the engine
// (over the pool when there is one), the reply written and the notes said.
// An error is a failure before or instead of a result; a result's own
// failure is ChatDone.CallErr.
func (a *App) Chat(ctx context.Context, c Chat, cio ChatIO) (ChatDone, error) {
	d := ChatDone{Provider: c.Provider, Model: c.Model, Key: c.Key}
	p, poolName, model, key, err := a.ChatTarget(c.Pool, c.Provider, c.Model, c.Key)
	d.Model, d.Key = model, key
	if err != nil {
		return d, err
	}
	d.Provider = p.Name
	if model, err = chat.Model(p, model); err != nil {
		d.Model = ""
		return d, usageErr(err)
	}
	d.Model = model
	if err := c.Limits.Check(); err != nil {
		return d, usageErr(err)
	}
	stall, err := prompt.EnvDuration(a.cfg.Getenv, "TIER_STALL_TIMEOUT", StallTimeout)
	if err != nil {
		return d, err
	}
	if err := a.CheckState(ChatState(p)...); err != nil {
		return d, err // before stdin is read or a request spent
	}
	in, err := prompt.Read(ctx, c.Args, cio.Stdin, c.NoStdin || cio.StdinTTY, a.cfg.Getenv)
	if err != nil {
		return d, err
	}
	if in.StdinNote != "" && !c.Quiet {
		fmt.Fprintf(cio.Err, "tier: %s\n", in.StdinNote)
	}
	eng, err := a.Engine()
	if err != nil {
		return d, err
	}
	if c.Tag != "" {
		eng.Tag = c.Tag
	}
	if c.MaxCost != nil {
		if !(*c.MaxCost >= 0) {
			return d, usagef("--max-cost must not be negative")
		}
		eng.Budget.MaxCost = c.MaxCost
	}
	l := c.Limits
	req := chat.Request(chat.Params{Model: model, System: c.System, Prompt: in.Text, MaxTokens: l.MaxTokens, Temperature: l.Temperature})
	var out *ui.ReplyWriter
	opts := api.CallOptions{Stream: !c.NoStream, Retries: l.Retries, MaxWait: l.MaxWait, KeepContent: c.JSON, StallTimeout: stall, Wait: cio.Wait}
	if !c.JSON {
		out = ui.NewReplyWriter(cio.Out)
		opts.Out = out
	}
	call := eng.Call
	if poolName != "" {
		if d.Pool, err = a.NewPoolRun(poolName, eng); err != nil {
			return d, err
		}
		call = func(ctx context.Context, r engine.Request) (engine.Result, error) { return d.Pool.Call(ctx, eng, r) }
	}
	res, err := call(ctx, engine.Request{Target: engine.Target{Profile: p, Key: d.Key, Model: model}, Chat: req, Options: opts})
	if pr := d.Pool; pr != nil && pr.Answered != nil {
		d.Provider, d.Key, d.Model = pr.Answered.Profile.Name, pr.Answered.Key, pr.Answered.Model
		if !c.Quiet {
			pr.Note(cio.Err)
		}
	}
	if err != nil {
		return d, err
	}
	d.Result, d.CallErr = res, res.Err
	if out != nil {
		if err := out.Finish(); err != nil && d.CallErr == nil {
			d.CallErr = &api.OutputError{Err: err}
		}
	}
	if res.Unsaved != "" {
		fmt.Fprintf(cio.Err, "tier: warning: %s\n", oneLine(res.Unsaved))
	}
	chat.WriteNotes(cio.Err, res, d.CallErr != nil, c.Quiet, a.Now(), cio.Theme)
	return d, nil
}

// oneLine is s on one line, as tier prints messages.
func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }
