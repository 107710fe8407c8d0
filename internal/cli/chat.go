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
	"github.com/tier-cli/tier/internal/help"
	"github.com/tier-cli/tier/internal/ui"
)

// chatOptions are tier chat's flags: the chat itself (app.Chat), and the
// two whose absence means the provider's default or no cap.
type chatOptions struct {
	app.Chat
	temperature float32
	maxCost     float64
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
			if cmd.Flags().Changed("temperature") {
				o.Limits.Temperature = &o.temperature
			}
			if cmd.Flags().Changed("max-cost") {
				o.MaxCost = &o.maxCost
			}
			o.Args = args
			return runChat(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Provider, "provider", "p", "", "provider from the catalog (default: $TIER_PROVIDER, then the catalog's default)")
	f.StringVarP(&o.Model, "model", "m", "", "model id (default: the provider's default model)")
	f.StringVarP(&o.System, "system", "s", "", "system prompt")
	keyFlag(f, &o.Key)
	f.StringVar(&o.Pool, "pool", "", "a pool of providers.yaml: the first target with headroom answers (-p POOL does the same; see 'tier help pools')")
	f.IntVar(&o.Limits.MaxTokens, "max-tokens", 0, "maximum tokens in the reply (default: the provider's)")
	f.Float32Var(&o.temperature, "temperature", 0, "sampling temperature, 0 to 2 (default: the provider's)")
	f.BoolVar(&o.NoStdin, "no-stdin", false, "never read stdin")
	f.BoolVar(&o.NoStream, "no-stream", false, "wait for the whole reply instead of streaming it")
	jsonFlag(f, &o.JSON, "print one JSON object with the reply, usage and quota")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "do not print the quota line or retry notices (alerts you set up still)")
	f.StringVar(&o.Tag, "tag", "", "label logged with the call in tier usage, e.g. a project or job (default: $TIER_TAG)")
	f.Float64Var(&o.maxCost, "max-cost", 0, "refuse (exit 7, nothing sent) a call that could cost more than this, in the model's currency: prompt + --max-tokens at the catalog's price")
	f.IntVar(&o.Limits.Retries, "retries", 3, "retries after a 429, 5xx or network failure")
	// 90s: a per-minute window's full wait (60s, plus the provider's rounding
	// and tier's jitter) fits, so a used-up minute is waited out by default.
	durationVar(f, &o.Limits.MaxWait, "max-wait", 90*time.Second, "longest total wait between retries")
	return cmd
}

// runChat sends o's chat and prints it; with --json one
// object, a failure's included.
func runChat(ctx context.Context, env *Env, o *chatOptions) error {
	// A closed stdout must not kill tier before it records the call: with
	// SIGPIPE ignored, writes fail with EPIPE instead.
	signal.Ignore(syscall.SIGPIPE)
	asJSON := o.JSON
	cio := app.ChatIO{Stdin: env.Stdin, StdinTTY: env.isTerminal(env.Stdin), Out: env.Stdout, Err: env.Stderr,
		Theme: env.theme(env.Stderr), Wait: env.Wait}
	if cio.Wait == nil && !o.Quiet {
		cio.Wait = func(ctx context.Context, d time.Duration, why string) error {
			return ui.CountdownOn(ctx, env.Stderr, d, why, env.isTerminal(env.Stderr))
		}
	}
	d, err := newApp(env).Chat(ctx, o.Chat, cio)
	if err != nil && asJSON { // with --json, every failure still prints the object
		return failJSON(env, chat.JSON{Provider: d.Provider, Model: d.Model, Key: d.Key, Error: newJSONError(err), Pool: d.Pool.JSON()}, err)
	}
	if err != nil {
		return err
	}
	err = chatError(d.CallErr)
	if !asJSON {
		return err
	}
	j := chat.Result(d.Provider, d.Key, d.Result)
	j.Pool = d.Pool.JSON()
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
