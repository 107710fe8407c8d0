package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/cli"
)

// Mistyped commands and help topics are usage errors: exit 2 and one line
// that says what to do.
func TestUsageErrorsFromTheCommandTree(t *testing.T) {
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
