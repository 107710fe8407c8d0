package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/cli"
)

// Mistyped commands and help topics are usage errors: exit 2 and one line
// that says what to do.
func TestUsageErrorsFromTheCommandTree(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"chaat"}, cli.ExitUsage, `unknown command "chaat" (did you mean "chat"?): see 'tier --help'`},
		{[]string{"frobnicate"}, cli.ExitUsage, `unknown command "frobnicate": see 'tier --help'`},
		{[]string{"help", "bogus"}, cli.ExitUsage, `unknown help topic "bogus"`},
		{[]string{"help", "exit-codes"}, cli.ExitOK, ""},
		{[]string{"help", "chat"}, cli.ExitOK, ""},
		{[]string{"quota", "--bogus"}, cli.ExitUsage, "unknown flag: --bogus (see 'tier quota --help')"},
		// cobra shows the completion command's help, exit 0, for a shell it
		// has no script for.
		{[]string{"completion", "tcsh"}, cli.ExitUsage, `unknown shell "tcsh": tier completion supports bash, fish, powershell, zsh`},
		{[]string{"completion", "bash", "extra"}, cli.ExitUsage, `unknown command "extra"`},
		{[]string{"completion"}, cli.ExitOK, ""},
		{[]string{"completion", "fish"}, cli.ExitOK, ""},
		{[]string{"version", "extra"}, cli.ExitUsage, `unknown command "extra"`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			vars := map[string]string{"TIER_STATE_DIR": t.TempDir(), "TIER_CONFIG_DIR": t.TempDir(), "TIER_NO_KEYRING": "1"}
			env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return vars[k] }}
			code := cli.Run(context.Background(), env, tc.args)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) || strings.Count(stderr.String(), "\n") > 1 {
				t.Errorf("stderr %q, want one line containing %q", stderr.String(), tc.stderr)
			}
			if tc.code == cli.ExitOK && stdout.Len() == 0 {
				t.Error("help printed nothing")
			}
		})
	}
}

// With --json, even a flag that does not parse gets a JSON error object on
// stdout (and the usual line on stderr).
func TestFlagErrorWithJSON(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"chat", "--json", "--bogus", "hi"}, {"quota", "--bogus", "--json"}, {"models", "--json", "--bogus"}} {
		var stdout, stderr bytes.Buffer
		vars := map[string]string{"TIER_STATE_DIR": t.TempDir(), "TIER_CONFIG_DIR": t.TempDir(), "TIER_NO_KEYRING": "1"}
		env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return vars[k] }}
		if code := cli.Run(context.Background(), env, args); code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		var got struct {
			Error struct {
				Kind     string `json:"kind"`
				Message  string `json:"message"`
				ExitCode int    `json:"exit_code"`
			} `json:"error"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || got.Error.Kind != "usage" || got.Error.ExitCode != 2 ||
			!strings.Contains(got.Error.Message, "unknown flag: --bogus") {
			t.Errorf("%v: stdout %q (%v)", args, stdout.String(), err)
		}
		if !strings.Contains(stderr.String(), "unknown flag: --bogus") {
			t.Errorf("%v: stderr %q", args, stderr.String())
		}
	}
}

// Any command that fails before printing gets the JSON error object too.
func TestUsageErrorWithJSON(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"quota", "--json", "--require", "xyz=1"}, {"quota", "nosuch", "--json"}, {"models", "nosuch", "--json"}} {
		var stdout, stderr bytes.Buffer
		vars := map[string]string{"TIER_STATE_DIR": t.TempDir(), "TIER_CONFIG_DIR": t.TempDir(), "TIER_NO_KEYRING": "1"}
		env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return vars[k] }}
		code := cli.Run(context.Background(), env, args)
		var got struct {
			Error struct {
				Kind     string `json:"kind"`
				ExitCode int    `json:"exit_code"`
			} `json:"error"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || code != cli.ExitUsage || got.Error.ExitCode != cli.ExitUsage || got.Error.Kind != "usage" {
			t.Errorf("%v: exit %d, stdout %q (%v)", args, code, stdout.String(), err)
		}
	}
}

// `tier version` prints what `tier --version` prints (gh has both), and
// --json gives the same facts as an object.
func TestVersionCommand(t *testing.T) {
	t.Parallel()
	run := func(args ...string) (string, string, int) {
		var stdout, stderr bytes.Buffer
		vars := map[string]string{"TIER_STATE_DIR": t.TempDir(), "TIER_CONFIG_DIR": t.TempDir(), "TIER_NO_KEYRING": "1"}
		env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return vars[k] }}
		code := cli.Run(context.Background(), env, args)
		return stdout.String(), stderr.String(), code
	}
	flag, _, code := run("--version")
	if code != cli.ExitOK || !strings.HasPrefix(flag, "tier ") {
		t.Fatalf("--version: exit %d, %q", code, flag)
	}
	cmd, stderr, code := run("version")
	if code != cli.ExitOK || cmd != flag || stderr != "" {
		t.Errorf("version: exit %d, stdout %q, stderr %q; want exit 0 and %q", code, cmd, stderr, flag)
	}
	out, stderr, code := run("version", "--json")
	if code != cli.ExitOK || stderr != "" {
		t.Fatalf("version --json: exit %d, stderr %q", code, stderr)
	}
	var v struct {
		Version string `json:"version"`
		Commit  string `json:"commit"`
		Date    string `json:"date"`
		Go      string `json:"go"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("version --json: %v: %q", err, out)
	}
	if v.Version == "" || v.Commit == "" || v.Date == "" || !strings.HasPrefix(v.Go, "go") {
		t.Errorf("version --json = %+v, want every field", v)
	}
	if want := "tier " + v.Version + " (commit " + v.Commit + ", built " + v.Date + ")\n"; flag != want {
		t.Errorf("--version %q and --json %q disagree", flag, want)
	}
}

// A flag value that does not parse is one line that names the flag and
// what it takes, never strconv's own text, with exit 2, in text and in the
// --json error object.
func TestFlagValueErrorsSayWhatTheFlagTakes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args   []string
		msg    string
		noJSON bool // the command has no --json
	}{
		{[]string{"chat", "-p", "demo", "--max-tokens", "abc", "hi"}, `--max-tokens takes a whole number, got "abc" (see 'tier chat --help')`, false},
		{[]string{"chat", "-p", "demo", "--retries", "x", "hi"}, `--retries takes a whole number, got "x" (see 'tier chat --help')`, false},
		{[]string{"chat", "-p", "demo", "--retries=1.5", "hi"}, `--retries takes a whole number, got "1.5" (see 'tier chat --help')`, false},
		{[]string{"chat", "-p", "demo", "--max-tokens", "99999999999999999999", "hi"}, `--max-tokens takes a whole number, got "99999999999999999999" (too large) (see 'tier chat --help')`, false},
		{[]string{"chat", "-p", "demo", "--max-wait", "soon", "hi"}, `--max-wait takes a duration such as 90s, 2m, 500ms or a number of seconds, got "soon" (see 'tier chat --help')`, false},
		{[]string{"models", "--free=maybe"}, `--free takes true or false, got "maybe" (see 'tier models --help')`, false},
		{[]string{"keys", "set", "demo", "--valid-days", "ten"}, `--valid-days takes a whole number, got "ten" (see 'tier keys set --help')`, true},
	}
	for _, tt := range tests {
		for _, asJSON := range []bool{false, true} {
			if asJSON && tt.noJSON {
				continue
			}
			args := tt.args
			if asJSON {
				args = append(append([]string(nil), args[:1]...), append([]string{"--json"}, args[1:]...)...)
			}
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				vars := map[string]string{"TIER_STATE_DIR": t.TempDir(), "TIER_CONFIG_DIR": t.TempDir(), "TIER_NO_KEYRING": "1"}
				env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return vars[k] }}
				if code := cli.Run(context.Background(), env, args); code != cli.ExitUsage {
					t.Errorf("exit %d, want 2", code)
				}
				if want := "tier: " + tt.msg + "\n"; stderr.String() != want {
					t.Errorf("stderr %q, want %q", stderr.String(), want)
				}
				if !asJSON {
					if stdout.Len() != 0 {
						t.Errorf("stdout %q, want nothing", stdout.String())
					}
					return
				}
				var got struct {
					Error struct {
						Kind     string `json:"kind"`
						Message  string `json:"message"`
						ExitCode int    `json:"exit_code"`
					} `json:"error"`
				}
				if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || got.Error.Kind != "usage" || got.Error.ExitCode != 2 || got.Error.Message != tt.msg {
					t.Errorf("stdout %q (%v), want the usage error %q", stdout.String(), err, tt.msg)
				}
			})
		}
	}
}

// A relative TIER_CONFIG_DIR or TIER_STATE_DIR is resolved against the
// working directory once, when tier starts: messages name the absolute
// path, and the state written is where the user pointed.
func TestRelativeDirsAreResolvedAtStart(t *testing.T) { // not parallel: it changes the working directory
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.MkdirAll(filepath.Join(dir, "cfg"), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(body string) {
		if err := os.WriteFile(filepath.Join(dir, "cfg", "providers.yaml"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, int) {
		var stdout, stderr bytes.Buffer
		vars := map[string]string{"TIER_CONFIG_DIR": "cfg", "TIER_STATE_DIR": "./state", "TIER_NO_KEYRING": "1", "HOME": t.TempDir()}
		env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return vars[k] }}
		code := cli.Run(context.Background(), env, args)
		return stderr.String(), code
	}

	write("default: nosuch\n")
	stderr, code := run("quota")
	if want := "tier: " + filepath.Join(dir, "cfg", "providers.yaml") + ":1: "; code != cli.ExitUsage || !strings.HasPrefix(stderr, want) {
		t.Errorf("exit %d, stderr %q; want 2 and the file's absolute path %q", code, stderr, want)
	}

	write("default: demo\n")
	if err := os.WriteFile(filepath.Join(dir, "state"), []byte("a file where the directory should be"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The demo answers (its counters unsaved, as a real provider's usage
	// would be), and the one warning names the absolute path.
	stderr, code = run("chat", "--retries", "0", "hi")
	if want := "not saved: state directory " + filepath.Join(dir, "state") + " is not a directory"; code != cli.ExitOK || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want 0 and a warning naming %q", code, stderr, want)
	}

	if err := os.Remove(filepath.Join(dir, "state")); err != nil {
		t.Fatal(err)
	}
	if stderr, code = run("chat", "hi"); code != cli.ExitOK {
		t.Fatalf("chat: exit %d, %s", code, stderr)
	}
	if entries, err := os.ReadDir(filepath.Join(dir, "state")); err != nil || len(entries) == 0 {
		t.Errorf("no state in %s: %v", filepath.Join(dir, "state"), err)
	}
}
