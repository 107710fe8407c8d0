package cli

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/ptytest"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

// waitFor waits up to 10 s for the screen to hold every one of want.
func waitFor(t *testing.T, screen *ptytest.Buffer, want ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		all := true
		for _, w := range want {
			all = all && strings.Contains(screen.String(), w)
		}
		if all {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the screen never showed %q:\n%q", want, screen.String())
}

// watchWorld is a state directory whose groq minute window is used up and
// resets one second from the start, on a clock that moves.
func watchWorld(t *testing.T) (dir string, env map[string]string) {
	t.Helper()
	dir = t.TempDir()
	env = map[string]string{"TIER_STATE_DIR": dir, "TIER_CONFIG_DIR": filepath.Join(dir, "config"),
		"TIER_NO_KEYRING": "1", "HOME": dir, "NO_COLOR": "1", "TERM": "xterm"}
	start := time.Now()
	base := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	setClock(t, env, func() time.Time { return base.Add(time.Since(start)) })
	i64 := func(v int64) *int64 { return &v }
	at := func(d time.Duration) *time.Time { t := base.Add(d); return &t }
	if err := store.Open(dir).SaveSnapshot(quota.Snapshot{Provider: "groq", Key: "default", Model: "llama-3.1-8b-instant", ObservedAt: base, Windows: []quota.Window{
		{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: i64(30), Remaining: i64(0), ResetAt: at(1500 * time.Millisecond), Source: quota.SourceHeader},
		{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i64(1000), Remaining: i64(880), ResetAt: at(5 * time.Hour), Source: quota.SourceHeader},
	}}); err != nil {
		t.Fatal(err)
	}
	return dir, env
}

// TestQuotaWatchLive drives the full-screen view in a pseudo-terminal: the
// table on the alternate screen, the used-up window refilled once its reset
// passes, a provider another process records appearing, and q or Ctrl-C
// quitting with exit 0.
func TestQuotaWatchLive(t *testing.T) {
	t.Parallel()
	for _, quit := range []string{"q", "\x03"} {
		t.Run(map[string]string{"q": "q", "\x03": "ctrl-c"}[quit], func(t *testing.T) {
			dir, env := watchWorld(t)
			master, tty := ptytest.Open(t)
			ptytest.SetSize(t, tty, 120, 30)
			screen := &ptytest.Buffer{}
			go io.Copy(screen, master)
			e := &Env{Stdin: tty, Stdout: tty, Stderr: tty, Getenv: func(k string) string { return env[k] }, Now: clockOf(env)}
			done := make(chan int, 1)
			go func() { done <- Run(context.Background(), e, []string{"quota", "--watch", "--interval", "200ms"}) }()
			waitFor(t, screen, "\x1b[?1049h", "groq", "0/30", "q quits")
			waitFor(t, screen, "(refilled)")
			if err := store.Open(dir).SaveSnapshot(quota.Snapshot{Provider: "cerebras", Key: "default", Model: "llama3.1-8b", ObservedAt: clockOf(env)(),
				Windows: []quota.Window{{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: ptr(int64(30)), Remaining: ptr(int64(17)), Source: quota.SourceHeader}}}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, screen, "cerebras", "17/30")
			if _, err := master.Write([]byte(quit)); err != nil {
				t.Fatal(err)
			}
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("exit %d, want 0", code)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%q did not quit:\n%q", quit, screen.String())
			}
			waitFor(t, screen, "\x1b[?1049l") // the terminal is given back
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestQuotaWatchPlain: off a terminal, the table every interval, --count
// times, and exit 0.
func TestQuotaWatchPlain(t *testing.T) {
	t.Parallel()
	_, env := watchWorld(t)
	start := time.Now()
	out, errs, code := runEnv(env, "quota", "--watch", "--interval", "600ms", "--count", "4")
	if code != 0 || !strings.Contains(errs, "RPM exhausted") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if n := strings.Count(out, "PROVIDER\t"); n != 4 || strings.Contains(out, "exhausted") {
		t.Errorf("%d tables, want 4 (and the warnings on stderr):\n%s", n, out)
	}
	if !strings.Contains(out, "0/30") || !strings.Contains(out, "(refilled)") || strings.Contains(out, "\x1b") {
		t.Errorf("want the used-up window, then refilled, in plain text:\n%q", out)
	}
	if took := time.Since(start); took < 1800*time.Millisecond {
		t.Errorf("4 readings 600ms apart took %s", took)
	}
	for _, args := range [][]string{
		{"quota", "--count", "2"}, {"quota", "--interval", "1s"}, {"quota", "--watch", "--json"},
		{"quota", "--watch", "--refresh"}, {"quota", "--watch", "--interval", "0s"}, {"quota", "--watch", "--require", "rpd=1"},
		{"quota", "--watch", "--format", "prometheus"}, {"quota", "--watch", "--count", "-1"},
	} {
		if _, errs, code := runEnv(env, args...); code != ExitUsage || errs == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, errs)
		}
	}
}
