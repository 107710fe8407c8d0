package cli_test

import (
	"bytes"
	"context"
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
