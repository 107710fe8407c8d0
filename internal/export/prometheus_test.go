package export

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func i64(v int64) *int64            { return &v }
func f64(v float64) *float64        { return &v }
func at(d time.Duration) *time.Time { t := now.Add(d); return &t }

func sampleRows() []overview.Row {
	return []overview.Row{
		{Seen: now.Add(-time.Minute), Snapshot: quota.Snapshot{Provider: "deepseek", Key: "default",
			Credit: &quota.Credit{Remaining: f64(4.2), Granted: f64(5), Unit: "USD", ExpiresAt: at(12 * 24 * time.Hour), Source: quota.SourceBalance}}},
		{Snapshot: quota.Snapshot{Provider: "gemini", Key: "default", Model: "gemini-2.5-flash", Windows: []quota.Window{
			{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i64(250), Remaining: i64(240), ResetAt: at(8 * time.Hour), Source: quota.SourceEstimate},
			{Metric: quota.Tokens, Period: quota.PeriodMinute, Limit: i64(250000), Source: quota.SourceLearned},
		}}},
		{Seen: now.Add(-41 * time.Second), Snapshot: quota.Snapshot{Provider: "groq", Key: "work \"2\"", Model: "llama-3.1-8b-instant", Windows: []quota.Window{
			{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: i64(30), Remaining: i64(9), ResetAt: at(41 * time.Second), Source: quota.SourceHeader},
			{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i64(1000), Remaining: i64(880), ResetAt: at(5 * time.Hour), Source: quota.SourceHeader},
			{Metric: quota.Tokens, Period: quota.PeriodMinute, Remaining: i64(0), ResetAt: at(-time.Second), Source: quota.SourceHeader},
		}}},
		{Seen: now.Add(-time.Hour), Snapshot: quota.Snapshot{Provider: "openrouter", Key: "default", Model: "",
			Budget: &quota.Budget{Limit: f64(20), Remaining: f64(12.25), Unit: "USD", Period: "month", Source: quota.SourceBalance}}},
	}
}

func render(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Prometheus(&b, sampleRows(), now); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPrometheusGolden(t *testing.T) {
	got := render(t)
	path := filepath.Join("testdata", "quota.prom")
	if *update {
		os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/export/ -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("differs from %s:\n%s", path, got)
	}
}

// TestPrometheusParses reads the output with Prometheus' own text parser
// (github.com/prometheus/common/expfmt), as node_exporter's textfile
// collector does.
func TestPrometheusParses(t *testing.T) {
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(render(t)))
	if err != nil {
		t.Fatal(err)
	}
	find := func(name string, labels map[string]string) (float64, bool) {
		f := fams[name]
		if f == nil {
			return 0, false
		}
		if f.GetType() != dto.MetricType_GAUGE || f.GetHelp() == "" {
			t.Errorf("%s: type %v, help %q", name, f.GetType(), f.GetHelp())
		}
	next:
		for _, m := range f.Metric {
			for _, lp := range m.Label {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			return m.GetGauge().GetValue(), true
		}
		return 0, false
	}
	groqRPM := map[string]string{"provider": "groq", "key": `work "2"`, "model": "llama-3.1-8b-instant", "window": "requests/minute"}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"tier_window_remaining", groqRPM, 9},
		{"tier_window_limit", groqRPM, 30},
		{"tier_window_reset_timestamp_seconds", groqRPM, float64(now.Add(41 * time.Second).Unix())},
		{"tier_window_estimated", groqRPM, 0},
		{"tier_window_remaining", map[string]string{"provider": "gemini", "window": "requests/day"}, 240},
		{"tier_window_estimated", map[string]string{"provider": "gemini", "window": "requests/day"}, 1},
		{"tier_window_limit", map[string]string{"provider": "gemini", "window": "tokens/minute"}, 250000},
		{"tier_window_remaining", map[string]string{"provider": "groq", "window": "tokens/minute"}, 0},
		{"tier_credit_remaining", map[string]string{"provider": "deepseek", "unit": "USD"}, 4.2},
		{"tier_credit_expiry_timestamp_seconds", map[string]string{"provider": "deepseek"}, float64(now.Add(12 * 24 * time.Hour).Unix())},
		{"tier_key_budget_remaining", map[string]string{"provider": "openrouter"}, 12.25},
		{"tier_observed_age_seconds", map[string]string{"provider": "groq"}, 41},
	} {
		got, ok := find(c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	// Not reported is absent, never 0.
	for _, c := range []struct {
		name   string
		labels map[string]string
	}{
		{"tier_window_remaining", map[string]string{"provider": "gemini", "window": "tokens/minute"}},
		{"tier_window_limit", map[string]string{"provider": "groq", "window": "tokens/minute"}},
		{"tier_window_reset_timestamp_seconds", map[string]string{"provider": "groq", "window": "tokens/minute"}}, // passed
		{"tier_observed_age_seconds", map[string]string{"provider": "gemini"}},
		{"tier_window_remaining", map[string]string{"provider": "deepseek"}},
	} {
		if v, ok := find(c.name, c.labels); ok {
			t.Errorf("%s%v = %v: a figure not reported is there", c.name, c.labels, v)
		}
	}
}

func TestPrometheusNothingKnown(t *testing.T) {
	var b bytes.Buffer
	if err := Prometheus(&b, nil, now); err != nil || b.Len() != 0 {
		t.Errorf("%q, %v", b.String(), err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	if _, err := p.TextToMetricFamilies(strings.NewReader(b.String())); err != nil {
		t.Error(err)
	}
}
