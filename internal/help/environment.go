package help

import (
	"slices"
	"sort"
	"strings"

	"github.com/tier-cli/tier/internal/catalog"
)

// Environment lists every environment variable tier reads; the
// provider variables come from catalog c.
func Environment(c *catalog.Catalog) []Group {
	def := "the catalog's default"
	if c != nil && c.Default != "" {
		def = "the catalog's default, " + c.Default
	}
	groups := []Group{
		{
			Title: "Choosing a provider",
			Entries: []Entry{
				{"TIER_PROVIDER", "Provider used when -p/--provider is not given (default: " + def + ")."},
				{"TZ", "Time zone of 'tier usage' buckets (days from its midnight), e.g. Europe/Berlin; default: the system's."},
				{"TIER_TAG", "Label logged with every call in the usage log (a project, a CI job), as --tag does; 'tier usage --by tag' adds them up."},
			},
		},
		{
			Title: "Sharing quota across machines",
			Entries: []Entry{
				{"TIER_SHARED", "A Redis URL (redis://host:6379/0, rediss:// for TLS, a user name but no password in it): share snapshots, 429 cool-downs, exhausted windows and usage counters with every tier using the same Redis, pace per-minute request and token windows across machines (each call takes its estimate, corrected by its real usage), and reserve budgets' spend before each call (corrected to the real cost after it, released when nothing was billed). Unset: nothing is shared."},
				{"TIER_SHARED_MODE", "required (Redis out of reach: exit 6 before any call) or preferred (the default: warn once and use local state only); wins over providers.yaml's shared: mode."},
				{"TIER_SHARED_PASSWORD", "The Redis password (or ACL user's password); never put it in the URL or on the command line."},
			},
		},
		{
			Title: "Files",
			Entries: []Entry{
				{"TIER_CONFIG_DIR", "Configuration directory, holding providers.yaml (your providers and overrides). Default: $XDG_CONFIG_HOME/tier, else ~/.config/tier. A relative path is taken from the directory tier is started in, once, at start."},
				{"XDG_CONFIG_HOME", "See TIER_CONFIG_DIR; used only when it is an absolute path."},
				{"TIER_STATE_DIR", "State directory: quota snapshots, usage, key metadata (never keys). Default: $XDG_STATE_HOME/tier, else ~/.local/state/tier. A relative path is taken from the directory tier is started in, once, at start: TIER_STATE_DIR=.tier keeps a state per directory."},
				{"XDG_STATE_HOME", "See TIER_STATE_DIR; used only when it is an absolute path."},
				{"HOME", "Home directory for the defaults above (USERPROFILE on Windows when HOME is unset)."},
			},
		},
		{
			Title: "Input",
			Entries: []Entry{
				{"TIER_STDIN_TIMEOUT", "How long 'tier chat' waits for the first byte of a stdin that is not a terminal: default 2s when the prompt is also given as arguments (then it goes on without stdin), 30s when it is not (then it fails with exit code 2). A duration (500ms, 2s) or seconds; 0 waits forever. 'tier keys set' and 'tier keys rotate' wait as long for a piped key (default 30s)."},
				{"TIER_STALL_TIMEOUT", "How long 'tier chat' waits while a reply sends nothing at all (not even a keep-alive) before it gives up with exit code 6: default 10m. A duration (90s, 10m) or seconds; 0 waits forever."},
			},
		},
		{
			Title: "Keyring",
			Entries: []Entry{
				{"TIER_NO_KEYRING", "Any value but empty, 0, false, no or off turns the OS keyring off: keys then come only from the environment, the plaintext file written by 'tier keys set --insecure-storage', or a provider's key_cmd."},
				{"DBUS_SESSION_BUS_ADDRESS", "(Linux, BSD) The D-Bus session bus of the Secret Service keyring. When unset, tier looks for $XDG_RUNTIME_DIR/bus, then /run/user/UID/bus; with no bus it treats the keyring as unavailable instead of starting one."},
				{"XDG_RUNTIME_DIR", "See DBUS_SESSION_BUS_ADDRESS."},
			},
		},
		{
			Title: "Output",
			Lead:  "Tables (tier quota, tier keys list, tier models) fit a terminal's width: columns that are - in every row are left out, then the widest cells are cut with …, and when that is not enough each row is shown as a block of lines. In a pipe or a file they are complete: one line a row, cells separated by tabs, nothing cut.",
			Entries: []Entry{
				{"NO_COLOR", "Any non-empty value turns colour off (no-color.org); it wins over CLICOLOR_FORCE."},
				{"CLICOLOR", "0 turns colour off."},
				{"CLICOLOR_FORCE", "Any value but empty or 0 turns colour on even in a pipe or on a dumb terminal."},
				{"TERM", "dumb turns colour off."},
			},
		},
		{
			Title: "Network",
			Entries: []Entry{
				{"HTTPS_PROXY", "Proxy for https requests (also https_proxy): a URL, e.g. http://proxy:3128."},
				{"HTTP_PROXY", "Proxy for plain http requests (also http_proxy)."},
				{"NO_PROXY", "Comma-separated hosts, domains and CIDR ranges reached without a proxy (also no_proxy)."},
			},
		},
	}
	if c != nil {
		groups = append(groups, providerEnvGroup(c))
	}
	groups = append(groups, Group{
		Title: "Building tier",
		Entries: []Entry{
			{"SOURCE_DATE_EPOCH", "Read by the documentation generator (go generate), not by tier: the date of the man pages, in Unix seconds. Default: a fixed date, so that regenerating changes nothing."},
		},
	})
	return groups
}

// providerEnvGroup lists each provider's key variables and base URL
// placeholders, from catalog c.
func providerEnvGroup(c *catalog.Catalog) Group {
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
			if !slices.Contains(u.placeholderFor, name) {
				u.placeholderFor = append(u.placeholderFor, name)
			}
		}
	}
	vars := make([]string, 0, len(uses))
	for v := range uses {
		vars = append(vars, v)
	}
	sort.Strings(vars)
	g := Group{
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
		g.Entries = append(g.Entries, Entry{Term: v, Desc: strings.Join(parts, " ")})
	}
	if len(g.Entries) == 0 {
		g.Lead = "No provider in the catalog reads a variable."
	}
	return g
}

// EnvironmentText is the text of 'tier help environment' for the catalog
// that loaded, cat: with the providers of the user's own providers.yaml.
// When it did not load (loadErr), the built-in providers are listed, and
// why.
func EnvironmentText(cat *catalog.Catalog, loadErr error, builtin func() *catalog.Catalog) string {
	note := ""
	if loadErr != nil {
		cat = builtin()
		note = "(Your providers.yaml does not load, so only the built-in providers are listed: " + oneLine(loadErr.Error()) + ")\n\n"
	}
	return strings.TrimRight(Text("Environment variables tier reads.", Environment(cat))+note, "\n") + "\n"
}
