// Package cli is tier's command layer: cobra commands (one file per
// command or verb, all listed in NewRootCmd), shared flags and output
// wiring, over one factory (Env: streams, environment, clock, keyring,
// terminal) built in Main. It stays thin: the work is done by the packages
// under internal/ that know nothing of cobra. Errors become exit codes in
// exit.go, in one place.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/chat"
	"github.com/tier-cli/tier/internal/help"
	"github.com/tier-cli/tier/internal/version"
)

// Main runs tier with args and returns the process exit code.
func Main(args []string) int {
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-v") {
		// The answer needs nothing else: skip building the command tree
		// and the signal handler (start-up time is a target, issue 3).
		fmt.Fprintf(os.Stdout, "tier %s\n", version.String())
		return ExitOK
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return Run(ctx, systemEnv(), args)
}

// Run executes the command tree against env.
func Run(ctx context.Context, env *Env, args []string) int {
	run := *env // what this run sets (--jq) stays out of the caller's Env
	env = &run
	env, err := absoluteDirs(env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "tier: %s\n", err)
		return ExitUsage
	}
	root := NewRootCmd(env)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	err = cobraUsageError(err)
	if ctx.Err() != nil {
		err = interrupted(err)
	}
	var ee *ExitError
	if errors.As(err, &ee) && ee.Silent {
		return exitCode(err) // the command has said it (and printed its JSON)
	}
	if cmd != nil && wantsJSON(cmd, args) {
		// What failed before the command could print anything (a bad
		// flag, an unknown provider, a malformed --require).
		err = failJSON(env, struct {
			Error chat.Error `json:"error"`
		}{*newJSONError(err)}, err)
	} else {
		fmt.Fprintf(env.Stderr, "tier: %s\n", errorText(err))
	}
	return exitCode(err)
}

// absoluteDirs returns env with TIER_CONFIG_DIR and TIER_STATE_DIR made
// absolute once (app.AbsoluteDirs).
func absoluteDirs(env *Env) (*Env, error) {
	getenv, err := app.AbsoluteDirs(env.Getenv)
	e := *env
	e.Getenv = getenv
	return &e, err
}

// wantsJSON reports whether --json is among the run's arguments and c has
// that flag (read from the arguments: when flags fail to parse, cobra has
// not set it).
func wantsJSON(c *cobra.Command, args []string) bool {
	if c.Flags().Lookup("json") == nil {
		return false
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--json" || a == "--json=true" {
			return true
		}
	}
	return false
}

// cobraUsageError turns cobra's own complaints (an unknown command, a wrong
// number of arguments) into one-line usage errors with exit code 2
// (help.Complaint).
func cobraUsageError(err error) error {
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	if text, ok := help.Complaint(err.Error()); ok {
		return usagef("%s", text)
	}
	return err
}

// flagValueError rewrites pflag's "invalid argument "abc" for "--max-tokens"
// flag: strconv.ParseInt: parsing "abc": invalid syntax" as what the flag
// takes (help.FlagTakes): `--max-tokens takes a whole number, got "abc"`.
// Other errors are returned as they are.
func flagValueError(err error) error {
	var ive *pflag.InvalidValueError
	if !errors.As(err, &ive) || ive.GetFlag() == nil {
		return err
	}
	f := ive.GetFlag()
	takes := help.FlagTakes(f.Value.Type())
	if takes == "" {
		return err
	}
	msg := fmt.Sprintf("--%s takes %s, got %q", f.Name, takes, ive.GetValue())
	if errors.Is(err, strconv.ErrRange) {
		msg += " (too large)"
	}
	return errors.New(msg)
}

// newHelpCmd is cobra's help command, except that an unknown topic is a
// usage error (exit 2) rather than a usage screen with exit 0.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command or topic]",
		Short: "Help about any command or topic",
		Long:  "Help about any command or topic (tier help environment, tier help exit-codes).",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			var names []string
			for _, sub := range c.Root().Commands() {
				if sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
					names = append(names, sub.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err != nil || target == nil || len(rest) > 0 {
				return usagef("unknown help topic %q: see 'tier --help'", strings.Join(args, " "))
			}
			target.InitDefaultHelpFlag()
			target.InitDefaultVersionFlag()
			return target.Help()
		},
	}
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.ReplaceAll(s, "\n", "; ")
}

// NewRootCmd builds the whole command tree. The docs generator imports it.
func NewRootCmd(env *Env) *cobra.Command {
	if env == nil {
		env = systemEnv()
	}
	root := &cobra.Command{
		Use:           "tier",
		Short:         "Chat with OpenAI-compatible LLM APIs and see what is left of every limit and credit",
		Long:          help.Root,
		Version:       version.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetVersionTemplate("tier {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%w (see '%s --help')", flagValueError(err), c.CommandPath())
	})
	root.SetHelpCommand(newHelpCmd())
	// Every command, in the order of their files (help lists them sorted),
	// then the help topics.
	root.AddCommand(
		newBatchCmd(env),
		newBudgetCmd(env),
		newChatCmd(env),
		newKeysCmd(env),
		newModelsCmd(env),
		newQuotaCmd(env),
		newStatusCmd(env),
		newUsageCmd(env),
		newVersionCmd(env),
		newEnvironmentTopic(env),
	)
	root.AddCommand(newTopics()...)
	registerNameCompletions(root, env)
	addJQFlags(root, env) // after every command with --json is in
	strictCompletion(root)
	return root
}

// strictCompletion makes `tier completion SHELL` for a shell with no
// script a usage error (exit 2) naming the shells; cobra shows the
// command's help and exits 0. With no shell it still shows the help.
func strictCompletion(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		var shells []string
		for _, sub := range c.Commands() {
			shells = append(shells, sub.Name())
		}
		sort.Strings(shells)
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usagef("unknown shell %q: tier completion supports %s (see 'tier completion --help')", args[0], strings.Join(shells, ", "))
		}
	}
}

// newVersionCmd is `tier version`: what --version prints, or with --json
// the same facts as an object.
func newVersionCmd(env *Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print tier's version, commit and build date",
		Long:  "Print tier's version, commit and build date, as tier --version does; --json prints them, with the Go version, as an object.",
		Example: `  tier version
  tier version --json | jq -r .version`,
		Args:              cobra.NoArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				return writeJSONOut(env, version.Current())
			}
			_, err := fmt.Fprintf(env.Stdout, "tier %s\n", version.String())
			return err
		},
	}
	jsonFlag(cmd.Flags(), &asJSON, "print a JSON object: version, commit, date, go")
	return cmd
}
