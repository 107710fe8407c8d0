package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/help"
	"github.com/tier-cli/tier/internal/ui"
)

type modelsOptions struct {
	all, free, json, refresh bool
	maxAge, timeout          time.Duration
	key                      string
}

func newModelsCmd(env *Env) *cobra.Command {
	o := &modelsOptions{}
	cmd := &cobra.Command{
		Use:   "models [PROVIDER...]",
		Short: "List a provider's models with their published limits, prices and free access",
		Long:  help.Models,
		Example: `  tier models
  tier models groq cerebras --free
  tier models --all --json | jq -r '.[] | select(.free) | .provider + " " + .id'
  tier models openrouter --refresh`,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return completeProviders(env, args, toComplete), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runModels(cmd.Context(), env, o, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.all, "all", false, "every provider that has a key, fetched at once")
	f.BoolVar(&o.free, "free", false, "only free models: the provider's free suffix (OpenRouter's :free), free in the catalog, or with published free-tier limits")
	jsonFlag(f, &o.json, "print a JSON array of the merged models")
	f.BoolVar(&o.refresh, "refresh", false, "fetch the lists even when the cache is fresh")
	durationVar(f, &o.maxAge, "max-age", 24*time.Hour, "use a cached list younger than this without fetching (0: always fetch)")
	durationVar(f, &o.timeout, "timeout", 10*time.Second, "longest wait for each provider's list (0: no limit)")
	keyFlag(f, &o.key)
	return cmd
}

func runModels(ctx context.Context, env *Env, o *modelsOptions, args []string) error {
	if o.maxAge < 0 || o.timeout < 0 {
		return usagef("--max-age and --timeout must not be negative")
	}
	if o.all && len(args) > 0 {
		return usagef("give provider names or --all, not both")
	}
	d, err := newApp(env).Models(ctx, app.Models{Providers: args, All: o.all, Free: o.free, Refresh: o.refresh,
		MaxAge: o.maxAge, Timeout: o.timeout, Key: o.key}, env.Stderr)
	if err != nil {
		return err
	}
	entries, failures := d.Entries, d.Failures
	for i, err := range failures {
		failures[i] = networkErr(err)
	}
	if o.json {
		writeJSONOut(env, entries)
	} else if len(entries) > 0 {
		th := env.theme(env.Stdout)
		headers, rows := ui.ModelsTable(entries, d.Listed > 1, d.Now, th)
		if err := env.table(headers, rows, th, nil); err != nil {
			return internalErr(fmt.Errorf("cannot write the table: %w", err))
		}
	} else if len(failures) == 0 {
		what := "no models to show"
		if o.free {
			what = "no free models to show (without --free, all are shown)"
		}
		fmt.Fprintf(env.Stderr, "tier: %s\n", what)
	}
	if len(failures) > 0 {
		return silent(worst(failures)) // each said on its line
	}
	return nil
}
