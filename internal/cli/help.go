package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/help"
)

// Help topics: `tier help environment`, `tier help exit-codes` and the
// others of newTopics. They are cobra "additional help topic" commands (no
// Run). Their text is built from data (help.ExitCodes, checked against the
// Exit* constants; the provider catalog), so it cannot go stale, and only
// when asked for: parsing the catalog at every start would
// cost more than the rest of the tree. The docs generator puts the same text
// in tier(1) as its ENVIRONMENT and EXIT STATUS sections (ManSections).

// ManSection is a section of tier(1) made from a help topic: its title
// and its body as markdown in go-md2man's dialect, to go under a section
// heading (.SH); its own subheadings are level 3 (.SS).
type ManSection struct {
	Title    string
	Markdown string
}

// ManSections returns the help topics as sections of tier(1), built from
// the built-in catalog only, so that the generated page does not depend on
// the machine it is generated on.
func ManSections() []ManSection {
	return []ManSection{
		{Title: "ENVIRONMENT", Markdown: help.Markdown(help.Environment(builtinCatalog()))},
		{Title: "EXIT STATUS", Markdown: help.Markdown(help.ExitCodeGroups())},
	}
}

// exitCodes documents every Exit* constant of exit.go (help.ExitCodes; a
// test checks that none is missing and that none is documented that
// exit.go does not declare).
var exitCodes = help.ExitCodes

// builtinCatalog is the embedded catalog alone (no user file): what the
// generated man pages show (app.Builtin).
func builtinCatalog() *catalog.Catalog { return app.Builtin() }

func newEnvironmentTopic(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "environment",
		Short: "Environment variables tier reads",
	}
	// The list includes the providers of the user's own providers.yaml,
	// when it loads.
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) {
		cat, err := catalog.Load(env.Getenv)
		fmt.Fprint(c.OutOrStdout(), help.EnvironmentText(cat, err, builtinCatalog))
	})
	return cmd
}

// newTopic is a help topic whose text is title and groups (help.Text),
// built only when asked for.
func newTopic(use, short, title string, groups func() []help.Group) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) {
		fmt.Fprint(c.OutOrStdout(), help.Text(title, groups()))
	})
	return cmd
}

// The help topics other than environment. 'tier help json' is the quota
// snapshot of 'tier chat --json' and 'tier quota --json' (help.JSON): the
// contract only grows by adding members.
func newTopics() []*cobra.Command {
	return []*cobra.Command{
		newTopic("exit-codes", "What tier's exit codes mean", "Exit codes.", help.ExitCodeGroups),
		newTopic("json", "The JSON form of a quota snapshot", "The quota snapshot in --json output.", help.JSON),
		newTopic("usage-log", "The usage log: what is logged of every call, and where", "The usage log.", help.UsageLog),
		newTopic("budgets", "Budgets: scopes, limits, periods, modes, alerts, the worst case of a call", "Budgets on tier's own calls.", help.Budgets),
		{Use: "pools", Short: "Pools: several keys, providers and models as one target, with fallback", Long: help.Pools},
	}
}
