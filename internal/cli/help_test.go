package cli

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// runTopic runs tier with args against the variables in vars and returns
// stdout, stderr and the exit code.
func runTopic(t *testing.T, vars map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{
		Stdin:  strings.NewReader(""),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(k string) string { return vars[k] },
	}
	code := Run(context.Background(), env, args)
	return out.String(), errOut.String(), code
}

// exitConstants reads the Exit* constants declared in exit.go.
func exitConstants(t *testing.T) map[string]int {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "exit.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]int{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Exit") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.INT {
					t.Fatalf("%s is not an integer literal; teach this test to read it", name.Name)
				}
				n, err := strconv.Atoi(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				consts[name.Name] = n
			}
		}
	}
	if len(consts) == 0 {
		t.Fatal("found no Exit* constants in exit.go")
	}
	return consts
}

func TestExitCodesTopicDocumentsEveryExitConstant(t *testing.T) {
	t.Parallel()
	documented := map[int]bool{}
	for _, e := range exitCodes {
		if documented[e.Code] {
			t.Errorf("exit code %d is documented twice", e.Code)
		}
		documented[e.Code] = true
	}
	consts := exitConstants(t)
	declared := map[int]bool{}
	for name, code := range consts {
		declared[code] = true
		if !documented[code] {
			t.Errorf("%s = %d is missing from exitCodes in help.go", name, code)
		}
	}
	for code := range documented {
		if !declared[code] {
			t.Errorf("exitCodes documents %d, which exit.go does not declare", code)
		}
	}

	// Both ways of asking print one line per code, in order.
	for _, args := range [][]string{{"help", "exit-codes"}, {"exit-codes"}, {"exit-codes", "--help"}} {
		out, stderr, code := runTopic(t, nil, args...)
		if code != ExitOK || stderr != "" {
			t.Fatalf("tier %v: exit %d, stderr %q", args, code, stderr)
		}
		last := -1
		for _, e := range exitCodes {
			line := regexp.MustCompile(`(?m)^  ` + strconv.Itoa(e.Code) + ` +\S`).FindStringIndex(out)
			if line == nil {
				t.Errorf("tier %v: no line for exit code %d in:\n%s", args, e.Code, out)
				continue
			}
			if line[0] < last {
				t.Errorf("tier %v: exit code %d is out of order", args, e.Code)
			}
			last = line[0]
		}
	}
}

// envReads finds the environment variables that tier's own code reads by
// name: getenv("X"), Getenv("X"), LookupEnv("X"), and any "TIER_X" string
// literal (helpers such as envDuration(getenv, "TIER_STALL_TIMEOUT", d) take
// the name as an argument) in the non-test files under cmd/ and internal/.
func envReads(t *testing.T) map[string][]string {
	t.Helper()
	re := regexp.MustCompile(`(?:[Gg]etenv|LookupEnv)\("([A-Za-z_][A-Za-z0-9_]*)"\)|"(TIER_[A-Z0-9_]+)"`)
	found := map[string][]string{}
	for _, top := range []string{"../../cmd", "../../internal"} {
		if err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				name := m[1] + m[2]
				found[name] = append(found[name], path)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return found
}

func TestEnvironmentTopicListsEveryVariableTierReads(t *testing.T) {
	t.Parallel()
	out, stderr, code := runTopic(t, nil, "help", "environment")
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  ([A-Z][A-Z0-9_]+)  `).FindAllStringSubmatch(out, -1) {
		listed[m[1]] = true
	}

	reads := envReads(t)
	if len(reads) == 0 {
		t.Fatal("found no getenv calls: the scan is broken")
	}
	var names []string
	for name := range reads {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "USERPROFILE" { // named in HOME's entry: a Windows fallback
			if !strings.Contains(out, "USERPROFILE") {
				t.Error("USERPROFILE is not mentioned")
			}
			continue
		}
		if !listed[name] {
			t.Errorf("%s is read by %v but not listed by 'tier help environment'", name, reads[name])
		}
	}

	// Every provider's key and placeholder variables, from the catalog.
	c := builtinCatalog()
	if c == nil {
		t.Fatal("the built-in catalog does not load")
	}
	for _, name := range c.Names() {
		p := c.Providers[name]
		for _, v := range append(append([]string{}, p.KeyEnv...), p.Placeholders()...) {
			if !listed[v] {
				t.Errorf("%s (provider %s) is not listed", v, name)
			}
		}
	}
}

func TestEnvironmentTopicReadsTheUsersCatalog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		userFile   string
		wantListed []string
		wantNote   bool
	}{
		{
			name: "a provider added by the user brings its variables",
			userFile: `
providers:
  acme:
    base_url: https://{ACME_REGION}.acme.test/v1
    key_env: [ACME_TOKEN, ACME_KEY]
`,
			wantListed: []string{"ACME_TOKEN", "ACME_KEY", "ACME_REGION", "GROQ_API_KEY"},
		},
		{
			name:       "a broken file falls back to the built-in providers and says so",
			userFile:   "providers: [not, a, mapping\n",
			wantListed: []string{"GROQ_API_KEY", "TIER_PROVIDER"},
			wantNote:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "providers.yaml"), []byte(tt.userFile), 0o600); err != nil {
				t.Fatal(err)
			}
			out, stderr, code := runTopic(t, map[string]string{"TIER_CONFIG_DIR": dir}, "help", "environment")
			if code != ExitOK || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			for _, v := range tt.wantListed {
				if !regexp.MustCompile(`(?m)^  ` + v + ` `).MatchString(out) {
					t.Errorf("%s is not listed in:\n%s", v, out)
				}
			}
			if got := strings.Contains(out, "does not load"); got != tt.wantNote {
				t.Errorf("note about the broken file shown = %v, want %v:\n%s", got, tt.wantNote, out)
			}
		})
	}
}

func TestHelpListsTheTopics(t *testing.T) {
	t.Parallel()
	out, _, code := runTopic(t, nil, "help")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	topics := out[strings.Index(out, "Additional help topics:"):]
	for _, name := range []string{"tier environment", "tier exit-codes"} {
		if !strings.Contains(topics, name) {
			t.Errorf("%q is not under 'Additional help topics' in:\n%s", name, out)
		}
	}
}

func TestManSectionsAreMarkdownOfTheTopics(t *testing.T) {
	t.Parallel()
	secs := ManSections()
	titles := map[string]string{}
	for _, s := range secs {
		titles[s.Title] = s.Markdown
	}
	env, codes := titles["ENVIRONMENT"], titles["EXIT STATUS"]
	if env == "" || codes == "" {
		t.Fatalf("got sections %v", secs)
	}
	// Terms are bold definition-list entries, with markup escaped.
	for _, want := range []string{"**TIER\\_PROVIDER**\n: ", "**NO\\_COLOR**\n: ", "### Provider keys and settings\n"} {
		if !strings.Contains(env, want) {
			t.Errorf("ENVIRONMENT lacks %q", want)
		}
	}
	for _, e := range exitCodes {
		if !strings.Contains(codes, "**"+strconv.Itoa(e.Code)+"**\n: ") {
			t.Errorf("EXIT STATUS lacks code %d", e.Code)
		}
	}
}
