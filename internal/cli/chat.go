package cli

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/chat"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/help"
	"github.com/tier-cli/tier/internal/pool"
	"github.com/tier-cli/tier/internal/prompt"
	"github.com/tier-cli/tier/internal/ui"
)

type chatOptions struct {
	provider, model, system, key string
	pool                         string // pool.go
	tag                          string
	maxCost                      float64
	maxTokens                    int
	temperature                  float32
	temperatureSet, maxCostSet   bool
	noStdin, noStream, json      bool
	quiet                        bool
	retries                      int
	maxWait                      time.Duration
}

func newChatCmd(env *Env) *cobra.Command {
	o := &chatOptions{}
	cmd := &cobra.Command{
		Use:   "chat [flags] [prompt words...]",
		Short: "Send one prompt and stream the reply; then show what is left",
		Long:  help.Chat,
		Example: `  tier chat -p demo "hello"
  git diff | tier chat -p groq "review this diff"
  tier chat --json -p deepseek "one word for blue" | jq -r .content`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.temperatureSet = cmd.Flags().Changed("temperature")
			o.maxCostSet = cmd.Flags().Changed("max-cost")
			return runChat(cmd.Context(), env, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.provider, "provider", "p", "", "provider from the catalog (default: $TIER_PROVIDER, then the catalog's default)")
	f.StringVarP(&o.model, "model", "m", "", "model id (default: the provider's default model)")
	f.StringVarP(&o.system, "system", "s", "", "system prompt")
	keyFlag(f, &o.key)
	f.StringVar(&o.pool, "pool", "", "a pool of providers.yaml: the first target with headroom answers (-p POOL does the same; see 'tier help pools')")
	f.IntVar(&o.maxTokens, "max-tokens", 0, "maximum tokens in the reply (default: the provider's)")
	f.Float32Var(&o.temperature, "temperature", 0, "sampling temperature, 0 to 2 (default: the provider's)")
	f.BoolVar(&o.noStdin, "no-stdin", false, "never read stdin")
	f.BoolVar(&o.noStream, "no-stream", false, "wait for the whole reply instead of streaming it")
	jsonFlag(f, &o.json, "print one JSON object with the reply, usage and quota")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "do not print the quota line or retry notices")
	f.StringVar(&o.tag, "tag", "", "label logged with the call in tier usage, e.g. a project or job (default: $TIER_TAG)")
	f.Float64Var(&o.maxCost, "max-cost", 0, "refuse (exit 7, nothing sent) a call that could cost more than this, in the model's currency: prompt + --max-tokens at the catalog's price")
	f.IntVar(&o.retries, "retries", 3, "retries after a 429, 5xx or network failure")
	// 90s: a per-minute window's full wait (60s, plus the provider's rounding
	// and tier's jitter) fits, so a used-up minute is waited out by default.
	durationVar(f, &o.maxWait, "max-wait", 90*time.Second, "longest total wait between retries")
	return cmd
}

// stallTimeout is how long a reply may send nothing at all (not even a
// keep-alive) before tier gives up on it: generous, as some reasoning
// models stream nothing while they think.
const stallTimeout = 10 * time.Minute

func runChat(ctx context.Context, env *Env, o *chatOptions, args []string) error {
	// A closed stdout must not kill tier before it records the call: with
	// SIGPIPE ignored, writes fail with EPIPE instead.
	signal.Ignore(syscall.SIGPIPE)
	a := newApp(env)
	var pr *pool.Run // over a pool
	// With --json, every failure still prints the object.
	fail := func(err error, prov, model string) error {
		if !o.json {
			return err
		}
		return failJSON(env, chat.JSON{Provider: prov, Model: model, Key: o.key, Error: newJSONError(err), Pool: pr.JSON()}, err)
	}
	p, poolName, model, key, err := a.ChatTarget(o.pool, o.provider, o.model, o.key)
	o.key = key
	if err != nil {
		return fail(err, o.provider, model)
	}
	if model, err = chat.Model(p, model); err != nil {
		return fail(usageErr(err), p.Name, "")
	}
	limits := chat.Limits{Retries: o.retries, MaxWait: o.maxWait, MaxTokens: o.maxTokens}
	if o.temperatureSet {
		limits.Temperature = &o.temperature
	}
	if err := limits.Check(); err != nil {
		return fail(usageErr(err), p.Name, model)
	}
	stall, err := prompt.EnvDuration(env.Getenv, "TIER_STALL_TIMEOUT", stallTimeout)
	if err != nil {
		return fail(err, p.Name, model)
	}
	if err := a.CheckState(app.ChatState(p)...); err != nil {
		return fail(err, p.Name, model) // before stdin is read or a request spent
	}
	in, err := prompt.Read(ctx, args, env.Stdin, o.noStdin || env.isTerminal(env.Stdin), env.Getenv)
	if err != nil {
		return fail(err, p.Name, model)
	}
	if in.StdinNote != "" && !o.quiet {
		fmt.Fprintf(env.Stderr, "tier: %s\n", in.StdinNote)
	}
	eng, err := a.Engine()
	if err != nil {
		return fail(err, p.Name, model)
	}
	if o.tag != "" {
		eng.Tag = o.tag
	}
	if o.maxCostSet {
		if !(o.maxCost >= 0) {
			return fail(usagef("--max-cost must not be negative"), p.Name, model)
		}
		eng.Budget.MaxCost = &o.maxCost
	}
	req := chat.Request(chat.Params{Model: model, System: o.system, Prompt: in.Text, MaxTokens: o.maxTokens, Temperature: limits.Temperature})
	var out *ui.ReplyWriter
	opts := api.CallOptions{Stream: !o.noStream, Retries: o.retries, MaxWait: o.maxWait, KeepContent: o.json, StallTimeout: stall, Wait: env.Wait}
	if !o.json {
		out = ui.NewReplyWriter(env.Stdout)
		opts.Out = out
	}
	if opts.Wait == nil && !o.quiet {
		opts.Wait = func(ctx context.Context, d time.Duration, why string) error {
			return ui.CountdownOn(ctx, env.Stderr, d, why, env.isTerminal(env.Stderr))
		}
	}
	call := eng.Call
	if poolName != "" {
		if pr, err = a.NewPoolRun(poolName, eng); err != nil {
			return fail(err, p.Name, model)
		}
		call = func(ctx context.Context, r engine.Request) (engine.Result, error) { return pr.Call(ctx, eng, r) }
	}
	res, err := call(ctx, engine.Request{Target: engine.Target{Profile: p, Key: o.key, Model: model}, Chat: req, Options: opts})
	if pr != nil && pr.Answered != nil {
		p, o.key, model = pr.Answered.Profile, pr.Answered.Key, pr.Answered.Model
		if !o.quiet {
			pr.Note(env.Stderr)
		}
	}
	if err != nil {
		return fail(err, p.Name, model)
	}
	callErr := res.Err
	if out != nil {
		if err := out.Finish(); err != nil && callErr == nil {
			callErr = &api.OutputError{Err: err}
		}
	}
	if res.Unsaved != "" {
		fmt.Fprintf(env.Stderr, "tier: warning: %s\n", oneLine(res.Unsaved))
	}
	if !o.quiet {
		chat.WriteNotes(env.Stderr, res, callErr != nil, a.Now(), env.theme(env.Stderr))
	}
	err = chatError(callErr)
	if !o.json {
		return err
	}
	j := chat.Result(p.Name, o.key, res)
	j.Pool = pr.JSON()
	if err != nil {
		j.Error = newJSONError(err)
		return failJSON(env, j, err)
	}
	if werr := writeJSONOut(env, j); werr != nil {
		// Same exit as a reply cut short on stdout: 141 when the reader
		// went away (tier chat --json ... | head), else 1; writeJSONOut
		// said why.
		return silent(chatError(&api.OutputError{Err: werr}))
	}
	return nil
}

// chatError is a call's error as the command reports it: a reply cut
// short on stdout because the reader went away (tier chat ... | head)
// exits silently as a process killed by SIGPIPE would; any other failure
// to write it says what to check; a failure with no response to classify
// it is a network failure.
func chatError(err error) error {
	var oe *api.OutputError
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &oe):
		if errors.Is(err, syscall.EPIPE) {
			return silent(err)
		}
		return fmt.Errorf("%w: check free space or where stdout goes", err)
	}
	return networkErr(err)
}
