package budget

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/usage"
)

func windowChecker(dir string, now *time.Time, cmd string) *Checker {
	return &Checker{Windows: &catalog.Alerts{Cmd: cmd}, Log: usage.New(dir), Now: func() time.Time { return *now }, Loc: time.UTC}
}

// rpd is a snapshot of groq's requests-per-day window with used of 100
// used, resetting at reset.
func rpd(used int64, reset time.Time) quota.Snapshot {
	limit, left := int64(100), 100-used
	return quota.Snapshot{Provider: "groq", Key: "default", Model: "m", Windows: []quota.Window{
		{Metric: "requests", Period: quota.PeriodDay, Limit: &limit, Remaining: &left, ResetAt: &reset, Source: quota.SourceHeader}}}
}

func thresholds(t *testing.T, c *Checker, s quota.Snapshot) []int {
	t.Helper()
	as, err := c.WindowAlerts(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, a := range as {
		if a.Kind != KindWindow || a.Provider != "groq" || a.Metric != "requests" {
			t.Errorf("alert %+v", a)
		}
		got = append(got, a.Threshold)
	}
	return got
}

// A window alerts once per threshold, the highest newly crossed, and
// again once it has reset and is crossed anew.
func TestWindowAlertsOncePerWindow(t *testing.T) {
	now := t0
	c := windowChecker(t.TempDir(), &now, "")
	reset := t0.Add(14 * time.Hour)
	var got []string
	for _, used := range []int64{10, 50, 60, 96, 97, 100} {
		got = append(got, fmt.Sprint(thresholds(t, c, rpd(used, reset))))
		now = now.Add(time.Minute)
	}
	if s := strings.Join(got, " "); s != "[] [50] [] [95] [] []" {
		t.Errorf("alerts %s, want [] [50] [] [95] [] [] (80 passed with 95)", s)
	}
	// The window reset: the same crossings alert again.
	now = reset.Add(time.Minute)
	if got := thresholds(t, c, rpd(55, reset.Add(24*time.Hour))); fmt.Sprint(got) != "[50]" {
		t.Errorf("after the reset: %v, want [50]", got)
	}
	if got := thresholds(t, c, rpd(56, reset.Add(24*time.Hour))); len(got) != 0 {
		t.Errorf("again in the new window: %v", got)
	}
	if a, _ := c.WindowAlerts(context.Background(), rpd(81, reset.Add(24*time.Hour))); len(a) != 1 ||
		a[0].Text() != "groq (default) requests per day: 80% used (81 of 100, resets Dec 5 00:00)" {
		t.Errorf("text %+v", a)
	}
}

// A credit alerts once per threshold until it is topped up.
func TestCreditAlerts(t *testing.T) {
	now := t0
	c := windowChecker(t.TempDir(), &now, "")
	credit := func(left float64) quota.Snapshot {
		granted := 10.0
		return quota.Snapshot{Provider: "deepseek", Key: "default", Credit: &quota.Credit{Remaining: &left, Granted: &granted, Unit: "USD"}}
	}
	var got []string
	for _, left := range []float64{9, 4, 4, 10, 4.5} {
		as, err := c.WindowAlerts(context.Background(), credit(left))
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, a := range as {
			s += fmt.Sprintf("%s%d", a.Kind, a.Threshold)
		}
		got = append(got, s)
	}
	if s := strings.Join(got, ","); s != ",credit50,,,credit50" {
		t.Errorf("alerts %q, want 50 once, again after the top-up", s)
	}
}

// With no alerts in providers.yaml nothing alerts (nor is the log opened).
func TestWindowAlertsOff(t *testing.T) {
	now := t0
	dir := t.TempDir()
	c := &Checker{Log: usage.New(dir), Now: func() time.Time { return now }}
	if as, err := c.WindowAlerts(context.Background(), rpd(99, t0.Add(time.Hour))); err != nil || len(as) != 0 {
		t.Fatalf("%v %v", as, err)
	}
	if _, err := os.Stat(dir + "/" + usage.DBFile); err == nil {
		t.Error("the usage log was opened")
	}
}

// Processes crossing the same threshold of the same window at once alert
// once between them, and alert_cmd runs once, with the alert in its
// environment.
func TestWindowAlertsAcrossProcesses(t *testing.T) {
	if os.Getenv("TIER_TEST_WINDOW_ALERT") != "" {
		return // run as a process by the test below
	}
	dir := t.TempDir()
	out := dir + "/cmd.out"
	const n = 6
	var wg sync.WaitGroup
	results := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := exec.Command(os.Args[0], "-test.run=^TestWindowAlertProcess$")
			x.Env = append(os.Environ(), "TIER_TEST_WINDOW_ALERT="+dir, "TIER_TEST_WINDOW_ALERT_OUT="+out)
			b, err := x.CombinedOutput()
			if err != nil {
				t.Errorf("process %d: %v\n%s", i, err, b)
			}
			results[i] = string(b)
		}()
	}
	wg.Wait()
	alerted := 0
	for _, r := range results {
		alerted += strings.Count(r, "ALERT 80")
	}
	if alerted != 1 {
		t.Errorf("%d processes alerted, want 1:\n%s", alerted, strings.Join(results, "\n"))
	}
	b, _ := os.ReadFile(out)
	if got := string(b); got != "window groq requests 80\n" {
		t.Errorf("alert_cmd wrote %q, want one line", got)
	}
}

// TestWindowAlertProcess is one process of the test above.
func TestWindowAlertProcess(t *testing.T) {
	dir := os.Getenv("TIER_TEST_WINDOW_ALERT")
	if dir == "" {
		t.Skip("run by TestWindowAlertsAcrossProcesses")
	}
	now := t0
	c := windowChecker(dir, &now, `echo "$TIER_ALERT_KIND $TIER_ALERT_PROVIDER $TIER_ALERT_METRIC $TIER_ALERT_THRESHOLD" >> "$TIER_TEST_WINDOW_ALERT_OUT"`)
	c.Environ = os.Environ()
	for _, a := range thresholds(t, c, rpd(85, t0.Add(time.Hour))) {
		fmt.Printf("ALERT %d\n", a)
	}
}
