package cli

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told: by each run, and by the
// waits between retries, which it takes at once.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) wait(ctx context.Context, d time.Duration, why string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.waits = append(c.waits, d)
	return nil
}

// TestDemoLoopWithDefaults: the README's promise, with default flags. The
// demo allows 10 requests a minute and 50 a day: run 'tier chat -p demo
// hello' over and over and tier waits out the minute whenever it runs out
// (a full minute's wait included: the 11th call after a wait lands at the
// start of a minute, so the 21st must wait almost 60s, plus jitter), and
// the 51st call of the day stops with exit code 5 naming the day window.
func TestDemoLoopWithDefaults(t *testing.T) {
	t.Parallel()
	for _, start := range []string{"2026-11-21T10:00:00Z", "2026-11-21T10:00:30.5Z", "2026-11-21T10:00:59.9Z"} {
		t.Run(start, func(t *testing.T) {
			t0, _ := time.Parse(time.RFC3339Nano, start)
			t.Parallel()
			c := &fakeClock{now: t0}
			vars := map[string]string{"TIER_STATE_DIR": t.TempDir(), "TIER_CONFIG_DIR": t.TempDir(), "TIER_NO_KEYRING": "1"}
			for i := 1; i <= 51; i++ {
				var stdout, stderr bytes.Buffer
				env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return vars[k] },
					Now: c.Now, Wait: c.wait} // every run on the fake clock, waits included
				code := Run(context.Background(), env, []string{"chat", "-p", "demo", "--no-stdin", "hello"})
				want := 0
				if i == 51 {
					want = ExitExhausted
				}
				if code != want {
					t.Fatalf("call %d: exit %d, want %d; stderr:\n%s", i, code, want, stderr.String())
				}
				if i == 51 && !strings.Contains(stderr.String(), "tier: demo: requests per day exhausted") {
					t.Errorf("call 51: stderr does not name the day window:\n%s", stderr.String())
				}
				if i < 51 && !strings.Contains(stdout.String(), "Hello from tier's offline demo provider") {
					t.Errorf("call %d: stdout %q", i, stdout.String())
				}
				c.advance(50 * time.Millisecond) // a call takes a moment
			}
			if len(c.waits) < 4 {
				t.Errorf("tier waited %d times (%v), want one wait per minute after the first 10 calls", len(c.waits), c.waits)
			}
			for _, d := range c.waits {
				if d > 61*time.Second {
					t.Errorf("a wait of %s: more than the minute window plus jitter", d)
				}
			}
		})
	}
}
