package batch

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

// measured is what one run against enforcing fakes measured.
type measured struct {
	share    float64 // rows per second, as a share of the sum of the fakes' limits
	rejected int64   // 429s the fakes sent
	sum      Summary
	// slowest is the slowest target's rows per second as a share of its
	// own limit (a pool's).
	slowest float64
	// turnover is how long after a fake's window opened its first request
	// came, on average; fewest the fewest requests a full window took.
	turnover time.Duration
	fewest   int
	// waiting is the share of the run the targets spent with their
	// window used up, waiting for it to turn over.
	waiting float64
	trace   *tracer
	start   time.Time
}

// paced runs n rows against one fake enforcing rpm requests per minute
// of length minute, with or without headers.
func paced(t testing.TB, n int, rpm int64, minute time.Duration, headers bool) measured {
	dialect := "cerebras"
	if !headers {
		dialect = "none"
	}
	return against(t, n, minute, []string{"fa"}, rpm, dialect, !headers)
}

// pooled runs n rows over a pool of three fakes each enforcing rpm
// requests per minute.
func pooled(t testing.TB, n int, rpm int64, minute time.Duration) measured {
	return against(t, n, minute, []string{"fa", "fb", "fc"}, rpm, "cerebras", false)
}

// against runs n rows over targets of the named fakes, each enforcing
// rpm requests per minute of length minute, and measures the run.
func against(t testing.TB, n int, minute time.Duration, names []string, rpm int64, dialect string, noHeaders bool) measured {
	var fakes []fake
	for _, name := range names {
		fp := fakeprovider.New(fakeprovider.Cerebras)
		fp.Limits = fakeprovider.Limits{RPM: rpm, RPD: 1_000_000, TPM: 10_000_000}
		fp.Enforce = &fakeprovider.Enforce{Minute: minute, NoLimitHeaders: noHeaders}
		fakes = append(fakes, fake{name, fp, "    dialect: " + dialect + "\n" + limitsYAML(int(rpm))})
	}
	e, cat := world(t, fakes...)
	var targets []Target
	for _, f := range fakes {
		targets = append(targets, target(t, cat, f.name, "default"))
	}
	if b, ok := t.(*testing.B); ok {
		// Resets are read to the second, rounded up: starting just past
		// one, the fakes' windows turn over almost a second before their
		// headers say. The benchmarks measure that worst case, not the
		// luck of the moment they start.
		b.StopTimer()
		now := time.Now()
		time.Sleep(now.Truncate(time.Second).Add(time.Second + 20*time.Millisecond).Sub(now))
		b.StartTimer()
	}
	m := measured{trace: &tracer{}, start: time.Now(), slowest: math.Inf(1), fewest: -1}
	sink := &memSink{}
	sum, err := Run(context.Background(), Config{Caller: e, Targets: targets, Sink: sink, Minute: minute, trace: m.trace.add}, rowsOf(n))
	end := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	if len(sink.rows) != n || sum.Failed != 0 {
		t.Fatalf("%d rows written, %d failed; want %d, 0: %+v", len(sink.rows), sum.Failed, n, sink.rows[:min(3, len(sink.rows))])
	}
	elapsed := end.Sub(m.start).Seconds()
	each := float64(rpm) / minute.Seconds()
	m.share, m.sum = float64(n)/elapsed/(each*float64(len(fakes))), sum
	waiting := m.trace.waitingForReset()
	for _, f := range fakes {
		m.rejected += f.srv.Rejected()
		m.slowest = min(m.slowest, float64(f.srv.Used().Requests)/elapsed/each)
		mean, fewest := turnover(f.srv, minute, end)
		m.turnover += mean / time.Duration(len(fakes))
		if m.fewest < 0 || fewest >= 0 && fewest < m.fewest {
			m.fewest = fewest
		}
		m.waiting += waiting[f.name+"/default/m1"].Seconds() / elapsed / float64(len(fakes))
	}
	return m
}

// report gives a benchmark m's figures.
func (m measured) report(b *testing.B) {
	b.ReportMetric(100*m.share, "%rate")
	b.ReportMetric(float64(m.rejected), "429s")
	b.ReportMetric(float64(m.turnover.Milliseconds()), "turnover_ms")
	b.ReportMetric(float64(m.fewest), "fewest/window")
	b.ReportMetric(100*m.waiting, "%waiting")
}

func TestPacingFromHeaders(t *testing.T) {
	m := paced(t, 40, 20, time.Second, true)
	t.Logf("with headers: %.1f%% of the allowed rate, %d 429s", 100*m.share, m.rejected)
	if m.rejected != 0 {
		t.Errorf("%d 429s, want none", m.rejected)
	}
	if m.share < 0.6 {
		t.Errorf("%.1f%% of the allowed rate, want at least 60%% (the benchmark measures it properly)", 100*m.share)
	}
	if t.Failed() {
		t.Log(m.trace.timeline(m.start))
	}
}

func TestPacingFromCatalog(t *testing.T) {
	m := paced(t, 40, 20, time.Second, false)
	t.Logf("without headers: %.1f%% of the allowed rate, %d 429s", 100*m.share, m.rejected)
	if m.rejected > 1 {
		t.Errorf("%d 429s, want at most 1", m.rejected)
	}
	if m.share < 0.7 {
		t.Errorf("%.1f%% of the allowed rate, want at least 70%%", 100*m.share)
	}
	if t.Failed() {
		t.Log(m.trace.timeline(m.start))
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
