package cli

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"syscall"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/prompt"
	"github.com/tier-cli/tier/internal/quota"
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
		Long: `Send one prompt and stream the reply to stdout. Afterwards one line on stderr shows what is
left: requests and tokens per minute and day with reset countdowns, and credit with its expiry.

The prompt comes from the arguments and/or stdin: 'git diff | tier chat "review this"' sends both
(stdin first). Stdin that is a terminal is never read. Otherwise tier waits for its first byte for
TIER_STDIN_TIMEOUT: 2s when the prompt is also given as arguments (then it goes on without stdin
and says so), 30s when it is not (then it fails with exit code 2); TIER_STDIN_TIMEOUT=0 waits
forever. --no-stdin never reads stdin. So tier never hangs on an inherited stdin that is open but
never written to, as in CI jobs and child processes.

A 429, a 5xx or a network failure before the response is retried (--retries), waiting as long as
Retry-After, the reset headers or the error body say, plus jitter, within --max-wait in total
(default 90s, so a used-up minute is waited out); when the provider gives no time, tier backs off
and says so. A used-up quota or credit is not retried unless its stated reset is within
--max-wait: tier says which window ran out and when it resets. A reply whose 2xx status arrived
is never sent again, since the provider may bill it: if it is cut, what arrived is kept (exit 6).
An error object sent with a 2xx in place of the reply (OpenRouter), streamed or not, is reported
as that status would be (429, 402, else a server error) and, like anything after a 2xx, not sent again.
A host that does not exist is not retried.
A reply that sends nothing at all for TIER_STALL_TIMEOUT (default 10m; 0 waits forever) is
abandoned as a network failure (exit code 6).`,
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

// chatJSON is the --json output; Quota is the snapshot contract.
type chatJSON struct {
	Provider     string          `json:"provider"`
	Model        string          `json:"model"`
	Key          string          `json:"key"`
	Content      string          `json:"content"`
	FinishReason string          `json:"finish_reason,omitempty"`
	Usage        *api.Usage      `json:"usage,omitempty"`
	LatencyMS    int64           `json:"latency_ms"`
	Quota        *quota.Snapshot `json:"quota,omitempty"`
	Alerts       []budget.Alert  `json:"alerts,omitempty"`
	Error        *jsonError      `json:"error,omitempty"`
	Pool         *poolJSON       `json:"pool,omitempty"` // pool.go
}

type jsonError struct {
	Kind       string `json:"kind"`
	Message    string `json:"message"`
	HTTPStatus int    `json:"http_status,omitempty"`
	ExitCode   int    `json:"exit_code"`
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
	var pr *poolRun // over a pool (pool.go)
	// With --json, every failure still prints the object.
	fail := func(err error, prov, model string) error {
		if !o.json {
			return err
		}
		j := chatJSON{Provider: prov, Model: model, Key: o.key, Error: newJSONError(err)}
		if pr != nil {
			j.Pool = pr.json()
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

	req := api.ChatRequest{Model: model, MaxTokens: o.maxTokens}
	if o.system != "" {
		req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: o.system})
	}
	req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: in.Text})
	if o.temperatureSet {
		t := o.temperature
		req.Temperature = &t
	}

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
		call = func(ctx context.Context, r engine.Request) (engine.Result, error) { return pr.call(ctx, eng, r) }
	}
	res, err := call(ctx, engine.Request{Target: engine.Target{Profile: p, Key: o.key, Model: model}, Chat: req, Options: opts})
	if pr != nil && pr.answered != nil {
		p, o.key, model = pr.answered.Profile, pr.answered.Key, pr.answered.Model
		if !o.quiet {
			pr.note(env.Stderr)
		}
	}
	if err != nil {
		return fail(err, p.Name, model)
	}
	reply, callErr := res.Reply, res.Err
	if out != nil {
		if err := out.Finish(); err != nil && callErr == nil {
			callErr = &api.OutputError{Err: err}
		}
	}
	if res.Unsaved != "" {
		fmt.Fprintf(env.Stderr, "tier: warning: %s\n", oneLine(res.Unsaved))
	}
	snap := res.Snapshot
	if full := res.Left; full != nil {
		snap = full
		if !o.quiet {
			fmt.Fprintln(env.Stderr, ui.QuotaLineBudgets(*full, res.Budgets, a.now(), env.theme(env.Stderr)))
			if w := ui.ExpiryWarning(*full, a.now()); w != "" && callErr == nil {
				fmt.Fprintf(env.Stderr, "tier: warning: %s\n", w)
			}
		}
	}

	if !o.quiet {
		for _, al := range res.Alerts {
			fmt.Fprintf(env.Stderr, "tier: %s\n", al.Text())
		}
	}
	err = chatError(callErr)
	if o.json {
		j := chatJSON{Provider: p.Name, Model: reply.Model, Key: o.key, Content: reply.Content,
			FinishReason: reply.FinishReason, Usage: reply.Usage, LatencyMS: reply.Latency.Milliseconds(), Quota: snap, Alerts: res.Alerts}
		if pr != nil {
			j.Pool = pr.json()
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
func newJSONError(err error) *jsonError {
	j := &jsonError{Kind: kindOf(err), Message: errorText(err), ExitCode: exitCode(err)}
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
