package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	tier "github.com/tier-cli/tier"
	"github.com/tier-cli/tier/internal/catalog"
)

// Help topics: `tier help environment` and `tier help exit-codes`. They are
// cobra "additional help topic" commands (no Run). Their text is built from
// data (the exit-code constants, the provider catalog), so it cannot go
// stale, and only when asked for: parsing the catalog at every start would
// cost more than the rest of the tree. The docs generator puts the same text
// in tier(1) as its ENVIRONMENT and EXIT STATUS sections (ManSections).

func init() { commands = append(commands, newEnvironmentTopic, newExitCodesTopic) }

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
		{Title: "ENVIRONMENT", Markdown: renderMarkdown(environmentGroups(builtinCatalog()))},
		{Title: "EXIT STATUS", Markdown: renderMarkdown(exitCodeGroups())},
	}
}

// helpEntry is one term and its description in a help topic.
type helpEntry struct {
	Term, Desc string
}

// helpGroup is a titled list of entries, with an optional lead paragraph.
type helpGroup struct {
	Title   string
	Lead    string
	Entries []helpEntry
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

func exitCodeGroups() []helpGroup {
	g := helpGroup{Lead: "Every tier command exits with one of these codes. With --json, the error object's exit_code field holds the same code."}
	for _, e := range exitCodes {
		g.Entries = append(g.Entries, helpEntry{Term: fmt.Sprint(e.Code), Desc: e.Meaning})
	}
	return []helpGroup{g}
}

// environmentGroups lists every environment variable tier reads; the
// provider variables come from catalog c.
func environmentGroups(c *catalog.Catalog) []helpGroup {
	def := "the catalog's default"
	if c != nil && c.Default != "" {
		def = "the catalog's default, " + c.Default
	}
	groups := []helpGroup{
		{
			Title: "Choosing a provider",
			Entries: []helpEntry{
				{"TIER_PROVIDER", "Provider used when -p/--provider is not given (default: " + def + ")."},
				{"TZ", "Time zone of 'tier usage' buckets (days from its midnight), e.g. Europe/Berlin; default: the system's."},
				{"TIER_TAG", "Label logged with every call in the usage log (a project, a CI job), as --tag does; 'tier usage --by tag' adds them up."},
			},
		},
		{
			Title: "Files",
			Entries: []helpEntry{
				{"TIER_CONFIG_DIR", "Configuration directory, holding providers.yaml (your providers and overrides). Default: $XDG_CONFIG_HOME/tier, else ~/.config/tier. A relative path is taken from the directory tier is started in, once, at start."},
				{"XDG_CONFIG_HOME", "See TIER_CONFIG_DIR; used only when it is an absolute path."},
				{"TIER_STATE_DIR", "State directory: quota snapshots, usage, key metadata (never keys). Default: $XDG_STATE_HOME/tier, else ~/.local/state/tier. A relative path is taken from the directory tier is started in, once, at start: TIER_STATE_DIR=.tier keeps a state per directory."},
				{"XDG_STATE_HOME", "See TIER_STATE_DIR; used only when it is an absolute path."},
				{"HOME", "Home directory for the defaults above (USERPROFILE on Windows when HOME is unset)."},
			},
		},
		{
			Title: "Input",
			Entries: []helpEntry{
				{"TIER_STDIN_TIMEOUT", "How long 'tier chat' waits for the first byte of a stdin that is not a terminal: default 2s when the prompt is also given as arguments (then it goes on without stdin), 30s when it is not (then it fails with exit code 2). A duration (500ms, 2s) or seconds; 0 waits forever. 'tier keys set' and 'tier keys rotate' wait as long for a piped key (default 30s)."},
				{"TIER_STALL_TIMEOUT", "How long 'tier chat' waits while a reply sends nothing at all (not even a keep-alive) before it gives up with exit code 6: default 10m. A duration (90s, 10m) or seconds; 0 waits forever."},
			},
		},
		{
			Title: "Keyring",
			Entries: []helpEntry{
				{"TIER_NO_KEYRING", "Any value but empty, 0, false, no or off turns the OS keyring off: keys then come only from the environment, the plaintext file written by 'tier keys set --insecure-storage', or a provider's key_cmd."},
				{"DBUS_SESSION_BUS_ADDRESS", "(Linux, BSD) The D-Bus session bus of the Secret Service keyring. When unset, tier looks for $XDG_RUNTIME_DIR/bus, then /run/user/UID/bus; with no bus it treats the keyring as unavailable instead of starting one."},
				{"XDG_RUNTIME_DIR", "See DBUS_SESSION_BUS_ADDRESS."},
			},
		},
		{
			Title: "Output",
			Lead:  "Tables (tier quota, tier keys list, tier models) fit a terminal's width: columns that are - in every row are left out, then the widest cells are cut with …, and when that is not enough each row is shown as a block of lines. In a pipe or a file they are complete: one line a row, cells separated by tabs, nothing cut.",
			Entries: []helpEntry{
				{"NO_COLOR", "Any non-empty value turns colour off (no-color.org); it wins over CLICOLOR_FORCE."},
				{"CLICOLOR", "0 turns colour off."},
				{"CLICOLOR_FORCE", "Any value but empty or 0 turns colour on even in a pipe or on a dumb terminal."},
				{"TERM", "dumb turns colour off."},
			},
		},
		{
			Title: "Network",
			Entries: []helpEntry{
				{"HTTPS_PROXY", "Proxy for https requests (also https_proxy): a URL, e.g. http://proxy:3128."},
				{"HTTP_PROXY", "Proxy for plain http requests (also http_proxy)."},
				{"NO_PROXY", "Comma-separated hosts, domains and CIDR ranges reached without a proxy (also no_proxy)."},
			},
		},
	}
	if c != nil {
		groups = append(groups, providerEnvGroup(c))
	}
	groups = append(groups, helpGroup{
		Title: "Building tier",
		Entries: []helpEntry{
			{"SOURCE_DATE_EPOCH", "Read by the documentation generator (go generate), not by tier: the date of the man pages, in Unix seconds. Default: a fixed date, so that regenerating changes nothing."},
		},
	})
	return groups
}

// providerEnvGroup lists each provider's key variables and base URL
// placeholders, from catalog c.
func providerEnvGroup(c *catalog.Catalog) helpGroup {
	type use struct{ keyFor, placeholderFor []string }
	uses := map[string]*use{}
	get := func(v string) *use {
		if uses[v] == nil {
			uses[v] = &use{}
		}
		return uses[v]
	}
	for _, name := range c.Names() {
		p := c.Providers[name]
		who := name
		for i, v := range p.KeyEnv {
			u := get(v)
			if i == 0 {
				u.keyFor = append(u.keyFor, who)
			} else {
				u.keyFor = append(u.keyFor, who+", when "+strings.Join(p.KeyEnv[:i], " and ")+" is unset")
			}
		}
		for _, v := range p.Placeholders() {
			u := get(v)
			if !contains(u.placeholderFor, name) {
				u.placeholderFor = append(u.placeholderFor, name)
			}
		}
	}
	vars := make([]string, 0, len(uses))
	for v := range uses {
		vars = append(vars, v)
	}
	sort.Strings(vars)
	g := helpGroup{
		Title: "Provider keys and settings",
		Lead: "From the provider catalog (built-in providers.yaml and yours). A key variable holds the provider's default key " +
			"and wins over a stored one (tier keys); a placeholder variable fills {NAME} in a provider's base URL and is required.",
	}
	for _, v := range vars {
		u := uses[v]
		var parts []string
		if len(u.keyFor) > 0 {
			parts = append(parts, "API key for "+strings.Join(u.keyFor, "; ")+".")
		}
		if len(u.placeholderFor) > 0 {
			parts = append(parts, "Fills {"+v+"} in the base URL of "+strings.Join(u.placeholderFor, ", ")+".")
		}
		g.Entries = append(g.Entries, helpEntry{Term: v, Desc: strings.Join(parts, " ")})
	}
	if len(g.Entries) == 0 {
		g.Lead = "No provider in the catalog reads a variable."
	}
	return g
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// builtinCatalog is the embedded catalog alone (no user file): what the
// generated man pages show.
func builtinCatalog() *catalog.Catalog {
	c, err := catalog.LoadBytes(tier.ProvidersYAML, nil, "")
	if err != nil {
		return nil // a test of package catalog fails on this
	}
	return c
}

const helpWidth = 80

// renderText lays groups out for a terminal: a title, then each term with
// its description wrapped beside it.
func renderText(title string, groups []helpGroup) string {
	var b strings.Builder
	b.WriteString(title + "\n")
	termWidth := 0
	for _, g := range groups {
		for _, e := range g.Entries {
			termWidth = max(termWidth, len(e.Term))
		}
	}
	indent := 2 + termWidth + 2
	for _, g := range groups {
		b.WriteString("\n")
		if g.Title != "" {
			b.WriteString(g.Title + ":\n")
		}
		if g.Lead != "" {
			for _, l := range wrap(g.Lead, helpWidth-2) {
				b.WriteString("  " + l + "\n")
			}
			if len(g.Entries) > 0 {
				b.WriteString("\n")
			}
		}
		for _, e := range g.Entries {
			lines := wrap(e.Desc, helpWidth-indent)
			fmt.Fprintf(&b, "  %-*s  %s\n", termWidth, e.Term, lines[0])
			for _, l := range lines[1:] {
				b.WriteString(strings.Repeat(" ", indent) + l + "\n")
			}
		}
	}
	return b.String()
}

// renderMarkdown lays groups out as markdown for go-md2man: group titles
// are level-3 headings (.SS), entries definition lists (.TP). The caller
// puts it under a section heading (.SH).
func renderMarkdown(groups []helpGroup) string {
	var b strings.Builder
	for _, g := range groups {
		if g.Title != "" {
			b.WriteString("### " + g.Title + "\n\n")
		}
		if g.Lead != "" {
			b.WriteString(mdEscape(g.Lead) + "\n\n")
		}
		for _, e := range g.Entries {
			fmt.Fprintf(&b, "**%s**\n: %s\n\n", mdEscape(e.Term), mdEscape(e.Desc))
		}
	}
	return b.String()
}

// mdEscape keeps markdown from reading our plain text as markup.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`)
	return r.Replace(s)
}

// wrap breaks s into lines of at most width characters (longer words stand
// alone on their line).
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	return append(lines, line)
}

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
		text = renderText("Environment variables tier reads.", environmentGroups(cat)) + text
		fmt.Fprint(c.OutOrStdout(), strings.TrimRight(text, "\n")+"\n")
	})
	return cmd
}

func newExitCodesTopic(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exit-codes",
		Short: "What tier's exit codes mean",
	}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) {
		fmt.Fprint(c.OutOrStdout(), renderText("Exit codes.", exitCodeGroups()))
	})
	return cmd
}
