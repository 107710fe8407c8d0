package cli

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/prompt"
)

// keyFlag is --key NAME of a command that sends one key (chat, models).
func keyFlag(f *pflag.FlagSet, p *string) {
	f.StringVar(p, "key", keys.DefaultName, "name of the stored key to use")
}

// jsonFlag is --json, usage saying what it prints. Run reads it to print
// a failure as JSON too (wantsJSON).
func jsonFlag(f *pflag.FlagSet, p *bool, usage string) {
	f.BoolVar(p, "json", false, usage)
}

// durationVar defines a duration flag that also takes bare seconds
// (prompt.Duration), with a default.
func durationVar(fs *pflag.FlagSet, p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	fs.Var(prompt.Duration{D: p}, name, usage)
}

// registerNameCompletions offers model names for every --model/-m flag and
// provider names for every --provider/-p flag in the tree. Names come from
// the catalog and the models cache only: completion never uses the network.
func registerNameCompletions(root *cobra.Command, env *Env) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Flag("model") != nil {
			if _, ok := c.GetFlagCompletionFunc("model"); !ok {
				_ = c.RegisterFlagCompletionFunc("model", func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
					return completeModels(env, cmd, args, toComplete), cobra.ShellCompDirectiveNoFileComp
				})
			}
		}
		if c.Flag("provider") != nil {
			if _, ok := c.GetFlagCompletionFunc("provider"); !ok {
				_ = c.RegisterFlagCompletionFunc("provider", func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
					return completeProviders(env, nil, toComplete), cobra.ShellCompDirectiveNoFileComp
				})
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// completeModels lists the models of the provider the command's
// --provider flag names, or of its arguments (app.ModelCompletions).
func completeModels(env *Env, cmd *cobra.Command, args []string, toComplete string) []string {
	var provider *string
	if f := cmd.Flag("provider"); f != nil {
		v := f.Value.String()
		provider = &v
	}
	return newApp(env).ModelCompletions(provider, args, toComplete)
}

// completeProviders lists the catalog's provider names not already in
// given, with their display names.
func completeProviders(env *Env, given []string, toComplete string) []string {
	return newApp(env).ProviderCompletions(given, toComplete, false)
}
