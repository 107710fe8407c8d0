package batch

import (
	"context"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

// paced runs n rows against one fake enforcing rpm requests per minute
// of length minute, with or without headers, and returns the rate reached
// as a share of the allowed one, the 429s the fake sent and the summary.
func paced(t testing.TB, n int, rpm int64, minute time.Duration, headers bool) (share float64, rejected int64, sum Summary) {
	fp := fakeprovider.New(fakeprovider.Cerebras)
	fp.Limits = fakeprovider.Limits{RPM: rpm, RPD: 1_000_000, TPM: 10_000_000}
	fp.Enforce = &fakeprovider.Enforce{Minute: minute, NoLimitHeaders: !headers}
	dialect := "cerebras"
	if !headers {
		dialect = "none"
	}
	e, cat := world(t, fake{"fa", fp, "    dialect: " + dialect + "\n" + limitsYAML(int(rpm))})
	sink := &memSink{}
	start := time.Now()
	sum, err := Run(context.Background(), Config{Caller: e, Targets: []Target{target(t, cat, "fa", "default")}, Sink: sink, Minute: minute}, rowsOf(n))
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if len(sink.rows) != n || sum.Failed != 0 {
		t.Fatalf("%d rows written, %d failed; want %d, 0: %+v", len(sink.rows), sum.Failed, n, sink.rows[:min(3, len(sink.rows))])
	}
	allowed := float64(rpm) / minute.Seconds()
	return float64(n) / elapsed.Seconds() / allowed, fp.Rejected(), sum
}

func TestPacingFromHeaders(t *testing.T) {
	share, rejected, _ := paced(t, 40, 20, time.Second, true)
	t.Logf("with headers: %.1f%% of the allowed rate, %d 429s", 100*share, rejected)
	if rejected != 0 {
		t.Errorf("%d 429s, want none", rejected)
	}
	if share < 0.6 {
		t.Errorf("%.1f%% of the allowed rate, want at least 60%% (the benchmark measures it properly)", 100*share)
	}
}

func TestPacingFromCatalog(t *testing.T) {
	share, rejected, _ := paced(t, 40, 20, time.Second, false)
	t.Logf("without headers: %.1f%% of the allowed rate, %d 429s", 100*share, rejected)
	if rejected > 1 {
		t.Errorf("%d 429s, want at most 1", rejected)
	}
	if share < 0.7 {
		t.Errorf("%.1f%% of the allowed rate, want at least 70%%", 100*share)
	}
}

func TestPacingTokens(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.Cerebras, fakeprovider.Step{Tokens: fakeprovider.FromMaxTokens})
	fp.Limits = fakeprovider.Limits{RPM: 1000, RPD: 1_000_000, TPM: 200}
	fp.Enforce = &fakeprovider.Enforce{Minute: time.Second}
	e, cat := world(t, fake{"fa", fp, "    dialect: cerebras\n"})
	sink := &memSink{}
	rows := rowsOf(12)
	for i := range rows {
		rows[i].Body.MaxTokens = 20 // 2 prompt words + 20 reply tokens a row: 9 rows a minute
	}
	sum, err := Run(context.Background(), Config{Caller: e, Sink: sink, Minute: time.Second, Targets: []Target{target(t, cat, "fa", "default")}}, rows)
	if err != nil || len(sink.rows) != 12 || sum.Failed != 0 {
		t.Fatalf("%v, %d rows, %d failed", err, len(sink.rows), sum.Failed)
	}
	if fp.Rejected() > 1 {
		t.Errorf("%d 429s over the tokens per minute, want at most 1 (the first reading)", fp.Rejected())
	}
}
