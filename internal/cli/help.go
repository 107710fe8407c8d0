package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/help"
)

// Help topics: `tier help environment` and `tier help exit-codes`. They are
// cobra "additional help topic" commands (no Run). Their text is built from
// data (the exit-code constants, the provider catalog), so it cannot go
// stale, and only when asked for: parsing the catalog at every start would
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
		{Title: "EXIT STATUS", Markdown: help.Markdown(exitCodeGroups())},
	}
}

// exitCodes documents every Exit* constant of exit.go (a test checks that
// none is missing).
var exitCodes = []struct {
	Code    int
	Meaning string
}{
	{ExitOK, "Success."},
	{ExitInternal, "Internal error: a bug, or a failure tier did not expect."},
	{ExitUsage, "Usage or configuration error: a bad flag or argument, an unknown provider or model, a broken providers.yaml, a damaged state file (the message gives the command that moves it aside), no prompt, no usable keyring to store a key in."},
	{ExitAuth, "Authentication: no key, or the provider answered 401 or 403."},
	{ExitRateLimited, "Rate limited: still 429 after --retries, or the wait would exceed --max-wait."},
	{ExitExhausted, "A quota or credit is used up (the provider says which window or balance), or 'tier quota --require' is not met."},
	{ExitNetwork, "Network: unreachable, timeout, 5xx after the retries, or the reply stream was cut."},
	{ExitBudget, "tier's own budget reached: a hard budget (tier budget, providers.yaml's budgets) or --max-cost would be passed by the call's worst case, so nothing was sent. Distinct from 5, the provider's own exhaustion."},
	{ExitInterrupted, "Interrupted (Ctrl-C)."},
	{ExitBrokenPipe, "Stdout was closed before the reply ended (tier chat ... | head); the call is still recorded. The same status a process killed by SIGPIPE has."},
}

func exitCodeGroups() []help.Group {
	g := help.Group{Lead: "Every tier command exits with one of these codes. With --json, the error object's exit_code field holds the same code."}
	for _, e := range exitCodes {
		g.Entries = append(g.Entries, help.Entry{Term: fmt.Sprint(e.Code), Desc: e.Meaning})
	}
	return []help.Group{g}
}

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
		text := ""
		if err != nil {
			cat = builtinCatalog()
			text = "(Your providers.yaml does not load, so only the built-in providers are listed: " + oneLine(err.Error()) + ")\n\n"
		}
		text = help.Text("Environment variables tier reads.", help.Environment(cat)) + text
		fmt.Fprint(c.OutOrStdout(), strings.TrimRight(text, "\n")+"\n")
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
		newTopic("exit-codes", "What tier's exit codes mean", "Exit codes.", exitCodeGroups),
		newTopic("json", "The JSON form of a quota snapshot", "The quota snapshot in --json output.", help.JSON),
		newTopic("usage-log", "The usage log: what is logged of every call, and where", "The usage log.", help.UsageLog),
		newTopic("budgets", "Budgets: scopes, limits, periods, modes, alerts, the worst case of a call", "Budgets on tier's own calls.", help.Budgets),
		{Use: "pools", Short: "Pools: several keys, providers and models as one target, with fallback", Long: help.Pools},
	}
}
