package docgen

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

const repoRoot = "../.."

// TestGeneratedFilesAreCurrent is the check that completions/, man/ and
// the providers table in README.md match the command tree and
// providers.yaml.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	problems, err := Stale(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) > 0 {
		t.Log("run `go generate ./...` at the repository root and commit the result")
	}
}

// generated returns Generate's output for a README holding only the
// markers.
func generated(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := Generate([]byte(ProvidersStart+"\n"+ProvidersEnd+"\n"), FixedDate)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGenerateDoesNotDependOnTheEnvironment(t *testing.T) {
	clean := generated(t)

	// A user catalog with an extra provider, a chosen provider, colour and
	// keyring settings: none of it may reach the generated files.
	dir := t.TempDir()
	user := "providers:\n  zz-extra:\n    base_url: https://zz.example.test/v1\n    key_env: ZZ_EXTRA_TOKEN\n"
	if err := os.WriteFile(filepath.Join(dir, "providers.yaml"), []byte(user), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"TIER_CONFIG_DIR": dir, "TIER_STATE_DIR": dir, "HOME": dir,
		"TIER_PROVIDER": "groq", "NO_COLOR": "1", "CLICOLOR_FORCE": "1", "TIER_NO_KEYRING": "1",
	} {
		t.Setenv(k, v)
	}
	again := generated(t)
	for p, data := range clean {
		if !bytes.Equal(data, again[p]) {
			t.Errorf("%s differs when the environment changes", p)
		}
		if bytes.Contains(again[p], []byte("ZZ_EXTRA_TOKEN")) {
			t.Errorf("%s shows the user's provider", p)
		}
	}
}

func TestGeneratedFiles(t *testing.T) {
	files := generated(t)
	root := Tree()

	// One man page per available command, and nothing else.
	var want []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		want = append(want, path.Join(ManDir, strings.ReplaceAll(c.CommandPath(), " ", "-")+".1"))
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
				walk(sub)
			}
		}
	}
	walk(root)
	var pages []string
	for p := range files {
		if strings.HasPrefix(p, ManDir+"/") {
			pages = append(pages, p)
		}
	}
	if strings.Join(sortedKeys(setOf(pages)), " ") != strings.Join(sortedKeys(setOf(want)), " ") {
		t.Errorf("man pages = %v, want %v", sortedKeys(setOf(pages)), sortedKeys(setOf(want)))
	}
	for _, must := range []string{"man/tier.1", "man/tier-chat.1", "man/tier-completion-bash.1"} {
		if files[must] == nil {
			t.Errorf("no %s", must)
		}
	}

	th := regexp.MustCompile(`(?m)^\.TH "[^"]+" "1" "Nov 2026" "tier" "tier manual"$`)
	for _, p := range pages {
		page := string(files[p])
		if !th.MatchString(page) {
			t.Errorf("%s: no .TH line with the fixed date:\n%.300s", p, page)
		}
		if strings.Contains(strings.ToLower(page), "auto generated") {
			t.Errorf("%s has an auto-generated footer", p)
		}
		if strings.Contains(page, "\n\t") {
			t.Errorf("%s has a flag description left as a tab-indented run-on line", p)
		}
	}

	// tier(1) carries the help topics, before SEE ALSO.
	top := string(files["man/tier.1"])
	env, exit, see := strings.Index(top, ".SH ENVIRONMENT\n"), strings.Index(top, ".SH EXIT STATUS\n"), strings.Index(top, ".SH SEE ALSO\n")
	if env < 0 || exit < env || see < exit {
		t.Errorf("tier.1 sections out of place: ENVIRONMENT at %d, EXIT STATUS at %d, SEE ALSO at %d", env, exit, see)
	}
	for _, s := range []string{".TP\n\\fBTIER_PROVIDER\\fP\n", ".TP\n\\fBGROQ_API_KEY\\fP\n", ".TP\n\\fB130\\fP\n"} {
		if !strings.Contains(top, s) {
			t.Errorf("tier.1 lacks %q", s)
		}
	}

	// The completion scripts, for the command named tier.
	for name, marker := range map[string]string{
		BashCompletion:       "complete -o default -F __start_tier tier",
		ZshCompletion:        "#compdef tier",
		FishCompletion:       "complete -c tier ",
		PowerShellCompletion: "Register-ArgumentCompleter -CommandName 'tier'",
	} {
		if !bytes.Contains(files[path.Join(CompletionsDir, name)], []byte(marker)) {
			t.Errorf("%s lacks %q", name, marker)
		}
	}
}

func setOf(list []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range list {
		m[s] = true
	}
	return m
}

func TestManPagesKeepMarkdownCharacters(t *testing.T) {
	root := &cobra.Command{Use: "tier", Short: "root", DisableAutoGenTag: true}
	sub := &cobra.Command{
		Use:               "get <PROVIDER> [MODEL]",
		Short:             "show `*:free` models of <PROVIDER>",
		Long:              "Lists the models of <PROVIDER> matching *:free and *-preview.",
		Run:               func(*cobra.Command, []string) {},
		DisableAutoGenTag: true,
	}
	sub.Flags().String("pattern", "*", "a glob like <x>*")
	root.AddCommand(sub)
	pages, err := manPages(root, FixedDate)
	if err != nil {
		t.Fatal(err)
	}
	page := string(pages["tier-get.1"])
	for _, want := range []string{"get <PROVIDER> [MODEL]", "show `*:free` models of <PROVIDER>", "Lists the models of <PROVIDER> matching *:free and *-preview.", "a glob like <x>*"} {
		if !strings.Contains(page, want) {
			t.Errorf("tier-get.1 lost %q:\n%s", want, page)
		}
	}
}

func TestManDate(t *testing.T) {
	tests := []struct {
		epoch   string
		want    time.Time
		wantErr bool
	}{
		{"", FixedDate, false},
		{"  ", FixedDate, false},
		{"0", time.Unix(0, 0).UTC(), false},
		{"1767225600", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"yesterday", time.Time{}, true},
		{"-1", time.Time{}, true},
		{"1.5", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ManDate(func(k string) string {
			if k == "SOURCE_DATE_EPOCH" {
				return tt.epoch
			}
			return ""
		})
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("SOURCE_DATE_EPOCH=%q: got %v, %v; want %v, error %v", tt.epoch, got, err, tt.want, tt.wantErr)
		}
	}
}

// copyGenerated writes a fresh generation into a temporary repository.
func copyGenerated(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	readme := "# tier\n\nintro\n\n" + ProvidersStart + "\nold table\n" + ProvidersEnd + "\n\nmore prose\n"
	if err := os.WriteFile(filepath.Join(dir, ReadmeFile), []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, FixedDate); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestStale(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		want   []string
	}{
		{"fresh files", func(*testing.T, string) {}, nil},
		{
			"another man page date is not a difference",
			func(t *testing.T, dir string) {
				rewrite(t, dir, "man/tier-chat.1", func(s string) string { return strings.Replace(s, `"Nov 2026"`, `"Jan 2031"`, 1) })
			},
			nil,
		},
		{
			"an edited man page",
			func(t *testing.T, dir string) {
				rewrite(t, dir, "man/tier-chat.1", func(s string) string { return s + "extra\n" })
			},
			[]string{"man/tier-chat.1 is out of date"},
		},
		{
			"a page of a removed command",
			func(t *testing.T, dir string) {
				rewrite(t, dir, "man/tier-gone.1", func(string) string { return "x" })
			},
			[]string{"man/tier-gone.1 is no longer generated (delete it)"},
		},
		{
			"a missing completion script",
			func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, "completions", ZshCompletion)); err != nil {
					t.Fatal(err)
				}
			},
			[]string{"completions/_tier is missing"},
		},
		{
			"a hand-edited providers table",
			func(t *testing.T, dir string) {
				rewrite(t, dir, ReadmeFile, func(s string) string { return strings.Replace(s, "| `groq` |", "| `groq-x` |", 1) })
			},
			[]string{"README.md is out of date"},
		},
		{
			"prose around the markers is not compared",
			func(t *testing.T, dir string) {
				rewrite(t, dir, ReadmeFile, func(s string) string { return strings.Replace(s, "more prose", "other prose", 1) })
			},
			nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyGenerated(t)
			tt.change(t, dir)
			got, err := Stale(dir)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Stale = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWriteRemovesPagesOfRemovedCommandsAndKeepsProse(t *testing.T) {
	dir := copyGenerated(t)
	rewrite(t, dir, "man/tier-gone.1", func(string) string { return "x" })
	if err := Write(dir, FixedDate); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "man", "tier-gone.1")); !os.IsNotExist(err) {
		t.Errorf("tier-gone.1 was not removed (%v)", err)
	}
	readme, err := os.ReadFile(filepath.Join(dir, ReadmeFile))
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	if !strings.HasPrefix(s, "# tier\n\nintro\n\n"+ProvidersStart+"\n") || !strings.HasSuffix(s, ProvidersEnd+"\n\nmore prose\n") || strings.Contains(s, "old table") {
		t.Errorf("README.md around the table changed, or the old table stayed:\n%s", s)
	}
}

func rewrite(t *testing.T, dir, name string, f func(string) string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	old, _ := os.ReadFile(p)
	if err := os.WriteFile(p, []byte(f(string(old))), 0o644); err != nil {
		t.Fatal(err)
	}
}
