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
	"github.com/tier-cli/tier/internal/catalog"
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
	var pr *pool.Run // over a pool (pool.go)
	// With --json, every failure still prints the object.
	fail := func(err error, prov, model string) error {
		if !o.json {
			return err
		}
		j := chat.JSON{Provider: prov, Model: model, Key: o.key, Error: newJSONError(err)}
		if pr != nil {
			j.Pool = pr.JSON()
		}
		writeJSONOut(env, j)
		fmt.Fprintf(env.Stderr, "tier: %s\n", errorText(err))
		return silent(err)
	}
	poolName, err := a.poolName(o.pool, o.provider)
	if err != nil {
		return fail(err, o.provider, o.model)
	}
	var p *catalog.Profile
	if poolName != "" {
		p, o.model, o.key, err = a.poolFirst(poolName)
	} else {
		p, err = a.profile(o.provider)
	}
	if err != nil {
		return fail(err, o.provider, o.model)
	}
	model := o.model
	if model == "" {
		model = p.DefaultModel
	}
	if model == "" {
		return fail(usagef("%s has no default model: pass -m MODEL (see 'tier models %s')", p.Name, p.Name), p.Name, "")
	}
	if o.retries < 0 || o.maxWait < 0 {
		return fail(usagef("--retries and --max-wait must not be negative"), p.Name, model)
	}
	if o.maxTokens < 0 {
		return fail(usagef("--max-tokens must be a positive number of tokens (leave it out for the provider's default)"), p.Name, model)
	}
	if t := o.temperature; o.temperatureSet && !(t >= 0 && t <= 2) { // NaN fails too
		return fail(usagef("--temperature must be between 0 and 2 (got %v): leave it out for the provider's default", t), p.Name, model)
	}
	stall, err := prompt.EnvDuration(env.Getenv, "TIER_STALL_TIMEOUT", stallTimeout)
	if err != nil {
		return fail(err, p.Name, model)
	}
	if err := a.checkState(chatState(p)...); err != nil {
		return fail(err, p.Name, model) // before stdin is read or a request spent
	}
	in, err := prompt.Read(ctx, args, env.Stdin, o.noStdin || env.isTerminal(env.Stdin), env.Getenv)
	if err != nil {
		return fail(err, p.Name, model)
	}
	if in.StdinNote != "" && !o.quiet {
		fmt.Fprintf(env.Stderr, "tier: %s\n", in.StdinNote)
	}
	eng, err := a.engine()
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

	params := chat.Params{Model: model, System: o.system, Prompt: in.Text, MaxTokens: o.maxTokens}
	if o.temperatureSet {
		params.Temperature = &o.temperature
	}
	req := chat.Request(params)

	var out *ui.ReplyWriter
	opts := api.CallOptions{Stream: !o.noStream, Retries: o.retries, MaxWait: o.maxWait, KeepContent: o.json, StallTimeout: stall}
	if !o.json {
		out = ui.NewReplyWriter(env.Stdout)
		opts.Out = out
	}
	if !o.quiet {
		opts.Wait = func(ctx context.Context, d time.Duration, why string) error {
			return ui.CountdownOn(ctx, env.Stderr, d, why, env.isTerminal(env.Stderr))
		}
	}
	if env.Wait != nil {
		opts.Wait = env.Wait
	}
	call := eng.Call
	if poolName != "" {
		if pr, err = a.newPoolRun(poolName, eng); err != nil {
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
	snap := res.Snapshot
	if res.Left != nil {
		snap = res.Left
	}
	if !o.quiet {
		chat.WriteNotes(env.Stderr, res, callErr != nil, a.now(), env.theme(env.Stderr))
	}
	err = chatError(callErr)
	if o.json {
		j := chat.Result(p.Name, o.key, res, snap)
		if pr != nil {
			j.Pool = pr.JSON()
		}
		if err != nil {
			j.Error = newJSONError(err)
		}
		werr := writeJSONOut(env, j)
		if err != nil {
			fmt.Fprintf(env.Stderr, "tier: %s\n", errorText(err))
			return silent(err)
		}
		if werr != nil {
			// Same exit as a reply cut short on stdout: 141 when the reader
			// went away (tier chat --json ... | head), else 1; writeJSONOut
			// said why.
			return silent(chatError(&api.OutputError{Err: werr}))
		}
	}
	return err
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

// newJSONError is err as the "error" member of --json output.
func newJSONError(err error) *chat.Error {
	j := &chat.Error{Kind: kindOf(err), Message: errorText(err), ExitCode: exitCode(err)}
	var ae *api.Error
	if errors.As(err, &ae) {
		j.HTTPStatus = ae.Status
	}
	return j
}

// writeJSONOut writes v to stdout; a failure is reported on stderr (not
// when the reader went away: that is not worth a message) and returned.
func writeJSONOut(env *Env, v any) error {
	err := writeJSON(env, v) // jqflag.go: --jq
	if err != nil && !errors.Is(err, syscall.EPIPE) {
		fmt.Fprintf(env.Stderr, "tier: cannot write JSON: %v: check free space or where stdout goes\n", err)
	}
	return err
}
