package cli

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestJQEveryJSONCommand: every command with --json has --jq, which
// implies --json, prints strings raw and other values as JSON, one a line.
func TestJQEveryJSONCommand(t *testing.T) {
	t.Parallel()
	_, env := statusWorld(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"chat", "-p", "demo", "--no-stdin", "hi", "--jq", ".provider"}, "demo\n"},
		{[]string{"quota", "groq", "--jq", `.[0].windows[0] | "\(.metric)/\(.period) \(.remaining)"`}, "requests/minute 9\n"},
		{[]string{"quota", "--jq", "[.[].provider] | unique"}, `["deepseek","demo","groq"]` + "\n"},
		{[]string{"status", "--jq", ".providers[].provider"}, "deepseek\ndemo\ngroq\n"},
		{[]string{"models", "demo", "--jq", ".[0].id"}, "demo-echo-1\n"},
		{[]string{"keys", "list", "--jq", "length"}, "0\n"},
		{[]string{"keys", "doctor", "--jq", ".keyring_ok | type"}, "boolean\n"},
		{[]string{"version", "--jq", ".go | startswith(\"go\")"}, "true\n"},
	} {
		out, errs, code := runEnv(env, c.args...)
		if code != 0 || out != c.want {
			t.Errorf("tier %s: exit %d, stdout %q (want %q), stderr %q", strings.Join(c.args, " "), code, out, c.want, errs)
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if (c.Flags().Lookup("json") != nil) != (c.Flags().Lookup("jq") != nil) {
			t.Errorf("%s: --json and --jq do not come together", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRootCmd(&Env{Getenv: func(string) string { return "" }}))
}

func TestJQErrors(t *testing.T) {
	t.Parallel()
	_, env := statusWorld(t)
	// A bad expression is a usage error before anything runs.
	out, errs, code := runEnv(env, "chat", "-p", "demo", "--no-stdin", "hi", "--jq", ".[")
	if code != ExitUsage || out != "" || !strings.Contains(errs, "--jq") {
		t.Errorf("bad expression: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, _, code := runEnv(env, "quota", "--jq", ""); code != ExitUsage {
		t.Errorf("empty expression: exit %d", code)
	}
	// One that fails on the output: what came before it, then exit 2.
	out, errs, code = runEnv(env, "quota", "--jq", ".[0].provider, .foo")
	if code != ExitUsage || out != "deepseek\n" || !strings.Contains(errs, "tier: --jq: expected an object") {
		t.Errorf("failing expression: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// --jq . is the same object (gojq sorts the members).
	var plain, same map[string]any
	a, _, _ := runEnv(env, "version", "--json")
	b, _, _ := runEnv(env, "version", "--json", "--jq", ".")
	if json.Unmarshal([]byte(a), &plain) != nil || json.Unmarshal([]byte(b), &same) != nil || !reflect.DeepEqual(plain, same) {
		t.Errorf("--jq . changed the object:\n%s\n%s", a, b)
	}
}
