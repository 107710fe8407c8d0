package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/status"
	"github.com/tier-cli/tier/internal/store"
)

// statusWorld is a state directory with a groq snapshot and a DeepSeek
// balance, and the environment to run tier against it, at a frozen clock.
func statusWorld(t *testing.T) (dir string, env map[string]string) {
	t.Helper()
	dir = t.TempDir()
	env = map[string]string{"TIER_STATE_DIR": dir, "TIER_CONFIG_DIR": filepath.Join(dir, "config"),
		"TIER_NO_KEYRING": "1", "HOME": dir, "NO_COLOR": ""}
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	setClock(t, env, func() time.Time { return now })
	st := store.Open(dir)
	i64 := func(v int64) *int64 { return &v }
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	bal := 4.2
	for _, s := range []quota.Snapshot{
		{Provider: "groq", Key: "default", Model: "llama-3.1-8b-instant", ObservedAt: now.Add(-time.Second), Windows: []quota.Window{
			{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: i64(30), Remaining: i64(9), ResetAt: at(41 * time.Second), Source: quota.SourceHeader},
			{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i64(1000), Remaining: i64(880), ResetAt: at(5 * time.Hour), Source: quota.SourceHeader},
		}},
		{Provider: "deepseek", Key: "default", ObservedAt: now.Add(-time.Minute), Windows: []quota.Window{},
			Credit: &quota.Credit{Remaining: &bal, Unit: "USD", ExpiresAt: at(12 * 24 * time.Hour), Source: quota.SourceBalance}},
	} {
		if err := st.SaveSnapshot(s); err != nil {
			t.Fatal(err)
		}
	}
	return dir, env
}

// worldClocks holds the clock of each world's environment (setClock), so
// that runEnv puts it in the run's Env.
var worldClocks sync.Map // the map's pointer -> func() time.Time

func setClock(t *testing.T, env map[string]string, now func() time.Time) {
	key := reflect.ValueOf(env).UnsafePointer()
	worldClocks.Store(key, now)
	t.Cleanup(func() { worldClocks.Delete(key) })
}

// clockOf is env's world clock; nil (time.Now) for an environment made
// apart.
func clockOf(env map[string]string) func() time.Time {
	if now, ok := worldClocks.Load(reflect.ValueOf(env).UnsafePointer()); ok {
		return now.(func() time.Time)
	}
	return nil
}

func runEnv(env map[string]string, args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	e := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Now: clockOf(env)}
	code = Run(context.Background(), e, args)
	return out.String(), errb.String(), code
}

func TestStatusLine(t *testing.T) {
	t.Parallel()
	_, env := statusWorld(t)
	out, errs, code := runEnv(env, "status")
	want := "deepseek $4.20 exp 12d · groq 9/30rpm 880/1000rpd\n"
	if code != 0 || out != want || errs != "" {
		t.Errorf("tier status: exit %d, stdout %q (want %q), stderr %q", code, out, want, errs)
	}
	out, _, _ = runEnv(env, "status", "groq")
	if out != "groq 9/30rpm 880/1000rpd\n" {
		t.Errorf("tier status groq: %q", out)
	}
	out, _, code = runEnv(env, "status", "--format", "{{range .Providers}}{{.Name}}={{with .Credit}}{{.Amount}}{{else}}{{(index .Windows 0).Remaining}}{{end}};{{end}}")
	if code != 0 || out != "deepseek=$4.20;groq=9;\n" {
		t.Errorf("--format: exit %d, %q", code, out)
	}
	out, _, code = runEnv(env, "status", "--json")
	var line status.Line
	if err := json.Unmarshal([]byte(out), &line); code != 0 || err != nil || line.Text != strings.TrimSuffix(want, "\n") || len(line.Providers) != 2 {
		t.Errorf("--json: exit %d, %v, %q", code, err, out)
	}
}

func TestStatusNeverBreaksAPrompt(t *testing.T) {
	t.Parallel()
	dir, env := statusWorld(t)
	empty := map[string]string{}
	for k, v := range env {
		empty[k] = v
	}
	empty["TIER_STATE_DIR"] = t.TempDir()
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		code int // with --strict
	}{
		{"nothing known", empty, []string{"status"}, ExitExhausted},
		{"nothing known, template", empty, []string{"status", "--format", "{{.Text}}"}, ExitExhausted},
		{"template fails on the data", env, []string{"status", "--format", "{{(index .Providers 5).Name}}"}, ExitUsage},
	} {
		out, errs, code := runEnv(c.env, c.args...)
		if code != 0 || out != "\n" || errs != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want an empty line, exit 0", c.name, code, out, errs)
		}
		_, errs, code = runEnv(c.env, append(c.args, "--strict")...)
		if code != c.code || errs == "" {
			t.Errorf("%s --strict: exit %d (want %d), stderr %q", c.name, code, c.code, errs)
		}
	}
	// A damaged state file: an empty line, exit 0; --strict: exit 2.
	if err := os.WriteFile(filepath.Join(dir, "snapshots.bin"), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := runEnv(env, "status"); code != 0 || out != "\n" || errs != "" {
		t.Errorf("damaged state: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, errs, code := runEnv(env, "status", "--strict"); code != ExitUsage || !strings.Contains(errs, "snapshots") {
		t.Errorf("damaged state --strict: exit %d, stderr %q", code, errs)
	}
	// Usage errors are errors: the user is setting it up.
	for _, args := range [][]string{{"status", "--format", "{{.Text"}, {"status", "--format", "{{range .Providers}}{{.provider}}{{end}}"}, {"status", "--install", "emacs"}, {"status", "--format", "x", "--json"}} {
		if _, errs, code := runEnv(env, args...); code != ExitUsage || errs == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, errs)
		}
	}
}

func TestStatusNeverReachesTheNetwork(t *testing.T) {
	t.Parallel()
	_, env := statusWorld(t)
	env["HTTPS_PROXY"] = "http://127.0.0.1:1" // any request would fail
	env["GROQ_API_KEY"] = "test-key-groq-not-real-0000"
	if out, errs, code := runEnv(env, "status", "groq", "--strict"); code != 0 || !strings.HasPrefix(out, "groq ") || errs != "" {
		t.Errorf("exit %d, %q, %q", code, out, errs)
	}
}

// TestStatusSnippets runs every snippet 'tier status --install' prints (and
// the README shows) where the tool is here: bash's PS1 through bash -c,
// tmux's embedded command through sh, and the vim one through vim -es; a
// tier on PATH is a script that runs this test binary's Run.
func TestStatusSnippets(t *testing.T) {
	t.Parallel()
	_, env := statusWorld(t)
	bin := t.TempDir()
	helperTier(t, bin)
	environ := []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + env["HOME"], "TIER_STATE_DIR=" + env["TIER_STATE_DIR"],
		"TIER_CONFIG_DIR=" + env["TIER_CONFIG_DIR"], "TIER_NO_KEYRING=1", "TERM=dumb"}
	want := regexp.MustCompile(`groq \d+/30rpm \d+/1000rpd`)
	snippet := func(tool string) string {
		out, _, code := runEnv(env, "status", "--install", tool)
		if code != 0 || !strings.Contains(out, "tier status") {
			t.Fatalf("--install %s: exit %d, %q", tool, code, out)
		}
		s, _ := status.Snippet(tool)
		if out != s {
			t.Fatalf("--install %s printed %q, not the snippet", tool, out)
		}
		return out
	}
	run := func(name string, cmd *exec.Cmd) string {
		cmd.Env = environ
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		return string(out)
	}
	t.Run("bash", func(t *testing.T) {
		if _, err := exec.LookPath("bash"); err != nil {
			t.Skip("no bash")
		}
		script := "PS1='> '\n" + snippet("bash") + `printf '%s' "${PS1@P}"`
		out := run("bash", exec.Command("bash", "-c", script))
		if !want.MatchString(out) || !strings.HasSuffix(out, "rpd > ") {
			t.Errorf("the prompt reads %q", out)
		}
	})
	t.Run("tmux", func(t *testing.T) {
		s := snippet("tmux")
		m := regexp.MustCompile(`#\(([^)]*)\)`).FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("no #(...) in %q", s)
		}
		out := run("sh", exec.Command("sh", "-c", m[1]))
		if !want.MatchString(out) || strings.Count(out, "\n") != 1 || strings.Contains(out, "\x1b") {
			t.Errorf("tmux's %s printed %q", m[1], out)
		}
	})
	t.Run("starship", func(t *testing.T) {
		s := snippet("starship")
		cmd := regexp.MustCompile(`(?m)^command = "(.*)"$`).FindStringSubmatch(s)
		when := regexp.MustCompile(`(?m)^when = "(.*)"$`).FindStringSubmatch(s)
		if cmd == nil || when == nil {
			t.Fatalf("no command or when in %q", s)
		}
		run("when", exec.Command("sh", "-c", when[1]))
		if out := run("command", exec.Command("sh", "-c", cmd[1])); !want.MatchString(out) {
			t.Errorf("starship's command printed %q", out)
		}
	})
	t.Run("zsh", func(t *testing.T) {
		if _, err := exec.LookPath("zsh"); err != nil {
			t.Skip("no zsh")
		}
		script := "PROMPT='%# '\n" + snippet("zsh") + `print -rn -- "${(%)${(e)PROMPT}}"`
		if out := run("zsh", exec.Command("zsh", "-fc", script)); !want.MatchString(out) {
			t.Errorf("the prompt reads %q", out)
		}
	})
	t.Run("vim", func(t *testing.T) {
		if _, err := exec.LookPath("vim"); err != nil {
			t.Skip("no vim")
		}
		rc := filepath.Join(t.TempDir(), "vimrc")
		out := filepath.Join(filepath.Dir(rc), "out")
		if err := os.WriteFile(rc, []byte(snippet("vim")), 0o600); err != nil {
			t.Fatal(err)
		}
		run("vim", exec.Command("vim", "-Nu", rc, "-i", "NONE", "-es", "-c", "call writefile([g:tier_status], '"+out+"')", "-c", "qa!"))
		b, err := os.ReadFile(out)
		if err != nil || !want.Match(b) {
			t.Errorf("g:tier_status is %q (%v)", b, err)
		}
	})
}

// helperTier puts a "tier" on PATH in dir that runs this test binary as
// tier (TestHelperTier): the snippets call tier by name.
func helperTier(t *testing.T, dir string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nTIER_HELPER_PROCESS=1 exec '" + self + "' -test.run='^TestHelperTier$' -- \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "tier"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestHelperTier is tier itself when run by helperTier's script.
func TestHelperTier(t *testing.T) {
	if os.Getenv("TIER_HELPER_PROCESS") != "1" {
		t.Skip("run as tier by the snippet tests")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(Main(args))
}

// TestReadmeHasTheSnippets: the README's "See it everywhere" shows each
// snippet exactly as --install prints it (and TestStatusSnippets runs).
func TestReadmeHasTheSnippets(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	_, section, ok := strings.Cut(readme, "## See it everywhere\n")
	if !ok {
		t.Fatal(`the README has no "See it everywhere" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, tool := range status.Tools() {
		s, _ := status.Snippet(tool)
		if !strings.Contains(section, "\n"+s+"```\n") || !strings.Contains(section, "tier status --install "+tool) {
			t.Errorf("the README's See it everywhere lacks the %s snippet as --install prints it:\n%s", tool, s)
		}
	}
}
