// Package docgen generates the files derived from tier's command tree and
// built-in provider catalog: the shell completion scripts in completions/,
// one man page per command in man/ (tier(1) also gets the ENVIRONMENT and
// EXIT STATUS sections of the help topics), and the providers table in
// README.md. The files are committed. `go generate ./...` rewrites them
// (generate.go runs ./gendocs), and TestGeneratedFilesAreCurrent fails when
// the committed ones are stale.
//
// Output is reproducible: the man pages carry a fixed date (or
// SOURCE_DATE_EPOCH) and no "auto generated" footer, the command tree is
// built against an empty environment, and nothing depends on the machine.
package docgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cpuguy83/go-md2man/v2/md2man"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"

	"github.com/tier-cli/tier/internal/cli"
	"github.com/tier-cli/tier/internal/lazyre"
)

// Where the generated files go, relative to the repository root.
const (
	CompletionsDir = "completions"
	ManDir         = "man"
	ReadmeFile     = "README.md"
)

// Completion script file names inside CompletionsDir. Packages install them
// as /usr/share/bash-completion/completions/tier,
// /usr/share/zsh/vendor-completions/_tier and
// /usr/share/fish/vendor_completions.d/tier.fish (see .goreleaser.yaml).
const (
	BashCompletion       = "tier.bash"
	ZshCompletion        = "_tier"
	FishCompletion       = "tier.fish"
	PowerShellCompletion = "tier.ps1"
)

// FixedDate is the date of the man pages unless SOURCE_DATE_EPOCH is set.
// It is a constant so that regenerating on another day changes nothing.
var FixedDate = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

// ManDate is SOURCE_DATE_EPOCH (Unix seconds) when set, else FixedDate.
func ManDate(getenv func(string) string) (time.Time, error) {
	v := strings.TrimSpace(getenv("SOURCE_DATE_EPOCH"))
	if v == "" {
		return FixedDate, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds since 1970: unset it or fix it", v)
	}
	return time.Unix(n, 0).UTC(), nil
}

// Tree builds tier's command tree as the binary shows it (with the help
// and version flags and the completion command cobra adds at run time),
// against an empty environment so that no flag default or text depends on
// the machine.
func Tree() *cobra.Command {
	env := &cli.Env{
		Stdin:  strings.NewReader(""),
		Stdout: io.Discard,
		Stderr: io.Discard,
		Getenv: func(string) string { return "" },
	}
	root := cli.NewRootCmd(env)
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	root.InitDefaultCompletionCmd()
	var disable func(c *cobra.Command)
	disable = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, sub := range c.Commands() {
			disable(sub)
		}
	}
	disable(root)
	return root
}

// Generate returns every generated file, keyed by its slash-separated path
// relative to the repository root. readme is the current README.md, whose
// providers table is replaced.
func Generate(readme []byte, date time.Time) (map[string][]byte, error) {
	files := map[string][]byte{}
	root := Tree()

	comp := []struct {
		name string
		gen  func(io.Writer) error
	}{
		{BashCompletion, func(w io.Writer) error { return root.GenBashCompletionV2(w, true) }},
		{ZshCompletion, root.GenZshCompletion},
		{FishCompletion, func(w io.Writer) error { return root.GenFishCompletion(w, true) }},
		{PowerShellCompletion, root.GenPowerShellCompletionWithDesc},
	}
	for _, c := range comp {
		var b bytes.Buffer
		if err := c.gen(&b); err != nil {
			return nil, fmt.Errorf("%s completion: %w", c.name, err)
		}
		files[path.Join(CompletionsDir, c.name)] = b.Bytes()
	}

	// The man pages last: they escape the tree's texts for markdown.
	pages, err := manPages(root, date)
	if err != nil {
		return nil, err
	}
	for name, data := range pages {
		files[path.Join(ManDir, name)] = data
	}

	table, err := ProvidersTable()
	if err != nil {
		return nil, err
	}
	newReadme, err := SpliceProviders(readme, table)
	if err != nil {
		return nil, err
	}
	files[ReadmeFile] = newReadme
	return files, nil
}

// manPages renders one page per available command (as cobra's GenManTree
// chooses them), named like tier-chat.1. It escapes the commands' texts for
// markdown in place (cobra/doc passes them to go-md2man as markdown).
func manPages(root *cobra.Command, date time.Time) (map[string][]byte, error) {
	pages := map[string][]byte{}
	escaped := map[*pflag.Flag]bool{}
	escapeFlag := func(f *pflag.Flag) {
		if !escaped[f] {
			f.Usage = mdText(f.Usage)
			escaped[f] = true
		}
	}
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		c.Use, c.Short, c.Long = mdText(c.Use), mdText(c.Short), mdText(c.Long)
		c.Flags().VisitAll(escapeFlag)
		c.PersistentFlags().VisitAll(escapeFlag)
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
				continue
			}
			if err := walk(sub); err != nil {
				return err
			}
		}
		d := date
		header := &doc.GenManHeader{Section: "1", Date: &d, Source: "tier", Manual: "tier manual"}
		var b bytes.Buffer
		if err := doc.GenMan(c, header, &b); err != nil {
			return fmt.Errorf("man page of %q: %w", c.CommandPath(), err)
		}
		page := tagOptions(b.Bytes())
		if c == root {
			var err error
			if page, err = addSections(page, cli.ManSections()); err != nil {
				return err
			}
		}
		pages[strings.ReplaceAll(c.CommandPath(), " ", "-")+".1"] = page
		return nil
	}
	return pages, walk(root)
}

// mdText escapes the characters that markdown would take for markup in a
// help text written for the terminal: <placeholder> (dropped as HTML), *
// (emphasis) and ` (code spans, inside which escapes do not work). The
// rest reads the same either way. Flag defaults are not escaped: cobra/doc
// quotes them with %q.
func mdText(s string) string {
	return strings.NewReplacer("<", `\<`, ">", `\>`, "*", `\*`, "`", "\\`").Replace(s)
}

// optionEntry is one flag as cobra/doc writes it: the flag line, then the
// description indented by a tab, which go-md2man leaves as a run-on
// paragraph.
var optionEntry = lazyre.New(`(?m)(?:^\.PP\n)?^(\\fB-[^\n]*)\n\t`)

// tagOptions turns the flags into tagged paragraphs (.TP), as man pages
// list options: the flag on its line, the description indented below.
func tagOptions(page []byte) []byte {
	return optionEntry().ReplaceAll(page, []byte(".TP\n$1\n"))
}

// addSections puts the help topics' sections into tier(1), before SEE ALSO
// (or at the end when there is none).
func addSections(page []byte, sections []cli.ManSection) ([]byte, error) {
	var md strings.Builder
	for _, s := range sections {
		// Level 2: go-md2man makes the first level-1 heading the title (.TH).
		fmt.Fprintf(&md, "## %s\n\n%s\n", s.Title, s.Markdown)
	}
	roff := md2man.Render([]byte(md.String()))
	roff = bytes.TrimLeft(bytes.TrimPrefix(roff, []byte(".nh\n")), "\n")
	if !bytes.HasPrefix(roff, []byte(".SH ")) {
		return nil, fmt.Errorf("unexpected preamble from go-md2man: %q", firstLine(roff))
	}
	roff = append(bytes.TrimRight(roff, "\n"), '\n')
	at := bytes.Index(page, []byte("\n.SH SEE ALSO"))
	if at < 0 {
		return append(append(bytes.TrimRight(page, "\n"), '\n'), roff...), nil
	}
	out := append([]byte{}, page[:at+1]...)
	out = append(out, roff...)
	return append(out, page[at:]...), nil
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return s
}

// Write generates the files into the repository at dir and removes the
// files in completions/ and man/ that are no longer generated (a command
// that was removed).
func Write(dir string, date time.Time) error {
	readme, err := os.ReadFile(filepath.Join(dir, ReadmeFile))
	if err != nil {
		return fmt.Errorf("cannot read %s: %w (run the generator from the repository root)", ReadmeFile, err)
	}
	files, err := Generate(readme, date)
	if err != nil {
		return err
	}
	for _, d := range []string{CompletionsDir, ManDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
		old, err := listDir(dir, d)
		if err != nil {
			return err
		}
		for _, p := range old {
			if _, ok := files[p]; !ok {
				if err := os.Remove(filepath.Join(dir, filepath.FromSlash(p))); err != nil {
					return err
				}
			}
		}
	}
	for _, p := range sortedKeys(files) {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if cur, err := os.ReadFile(full); err == nil && bytes.Equal(cur, files[p]) {
			continue // leave the modification time alone
		}
		if err := os.WriteFile(full, files[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Stale compares the files in the repository at dir with freshly generated
// ones and describes each difference: a stale, missing or extra file. The
// man pages' dates are not compared (SOURCE_DATE_EPOCH may set them).
func Stale(dir string) ([]string, error) {
	readme, err := os.ReadFile(filepath.Join(dir, ReadmeFile))
	if err != nil {
		return nil, err
	}
	files, err := Generate(readme, FixedDate)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, d := range []string{CompletionsDir, ManDir} {
		have, err := listDir(dir, d)
		if err != nil {
			return nil, err
		}
		for _, p := range have {
			if _, ok := files[p]; !ok {
				problems = append(problems, p+" is no longer generated (delete it)")
			}
		}
	}
	for _, p := range sortedKeys(files) {
		cur, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			problems = append(problems, p+" is missing")
		case err != nil:
			return nil, err
		case !bytes.Equal(normalize(p, cur), normalize(p, files[p])):
			problems = append(problems, p+" is out of date")
		}
	}
	return problems, nil
}

var thDate = lazyre.New(`(?m)^(\.TH "[^"]*" "[^"]*" )"[^"]*"`)

// normalize blanks what may differ between two correct copies of a file:
// the date of a man page.
func normalize(p string, b []byte) []byte {
	if strings.HasPrefix(p, ManDir+"/") {
		return thDate().ReplaceAll(b, []byte(`$1"DATE"`))
	}
	return b
}

// listDir lists the regular files in dir/sub as slash-separated paths
// relative to dir (none when sub does not exist).
func listDir(dir, sub string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, sub))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, path.Join(sub, e.Name()))
		}
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
