package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

// providers.yaml's alerts: a window crossing a threshold alerts once, on
// stderr after the reply and in --json's alerts (kind window), and runs
// alerts.cmd.
func TestWindowAlerts(t *testing.T) {
	w := newQWorld(t)
	p := w.add(qspecs["groq"])
	p.fake.SetLimits(fakeprovider.Limits{RPM: 1000, RPD: 10, TPM: 1000000, TPD: 10000000})
	out := filepath.Join(t.TempDir(), "alerts")
	w.yaml.WriteString("alerts:\n  at: [50, 80]\n  cmd: echo \"$TIER_ALERT_KIND $TIER_ALERT_METRIC $TIER_ALERT_PERIOD $TIER_ALERT_THRESHOLD\" >> " + out + "\n")
	w.writeConfig()
	var stderr strings.Builder
	var jsonAlerts []string
	for range 9 {
		r := w.must(0, "chat", "-p", "groq", "--no-stdin", "--retries", "0", "--json", "hello")
		stderr.WriteString(r.stderr)
		var j struct {
			Alerts []map[string]any `json:"alerts"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &j); err != nil {
			t.Fatal(err)
		}
		for _, a := range j.Alerts {
			jsonAlerts = append(jsonAlerts, a["kind"].(string)+" "+a["metric"].(string)+" "+a["period"].(string))
		}
	}
	for _, th := range []string{"requests per day: 50% used", "requests per day: 80% used"} {
		if n := strings.Count(stderr.String(), th); n != 1 {
			t.Errorf("%q alerted %d times, want once:\n%s", th, n, stderr.String())
		}
	}
	if got := strings.Join(jsonAlerts, ","); got != "window requests day,window requests day" {
		t.Errorf("--json alerts %q", got)
	}
	b, _ := os.ReadFile(out)
	if got := string(b); got != "window requests day 50\nwindow requests day 80\n" {
		t.Errorf("alerts.cmd saw %q", got)
	}
}

// -q silences the quota line, not the alerts the user set up: a quiet job
// still hears that a window passed a threshold.
func TestWindowAlertsUnderQuiet(t *testing.T) {
	w := newQWorld(t)
	p := w.add(qspecs["groq"])
	p.fake.SetLimits(fakeprovider.Limits{RPM: 1000, RPD: 4, TPM: 1000000, TPD: 10000000})
	w.yaml.WriteString("alerts:\n  at: [50]\n")
	w.writeConfig()
	var stderr strings.Builder
	for range 3 {
		stderr.WriteString(w.must(0, "chat", "-q", "-p", "groq", "--no-stdin", "--retries", "0", "hello").stderr)
	}
	if n := strings.Count(stderr.String(), "requests per day: 50% used"); n != 1 {
		t.Errorf("the 50%% alert said %d times under -q, want once:\n%s", n, stderr.String())
	}
	if strings.Contains(stderr.String(), "groq · ") {
		t.Errorf("-q printed the quota line:\n%s", stderr.String())
	}
}
