package batch

import (
	"context"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

// The figures: 300 rows against 60 requests per 3-second
// "minute". go test -bench Batch -benchtime 1x ./internal/batch/
func BenchmarkBatchHeaders(b *testing.B) {
	for i := 0; i < b.N; i++ {
		share, rejected, _ := paced(b, 300, 60, 3*time.Second, true)
		b.ReportMetric(100*share, "%rate")
		b.ReportMetric(float64(rejected), "429s")
	}
}

func BenchmarkBatchNoHeaders(b *testing.B) {
	for i := 0; i < b.N; i++ {
		share, rejected, _ := paced(b, 300, 60, 3*time.Second, false)
		b.ReportMetric(100*share, "%rate")
		b.ReportMetric(100*float64(rejected)/300, "%429s")
	}
}

// pooled runs n rows over three fakes each enforcing rpm per minute, and
// returns the rate reached as a share of the sum of their limits.
func pooled(t testing.TB, n int, rpm int64, minute time.Duration) (float64, int64, Summary) {
	var fakes []fake
	for _, name := range []string{"fa", "fb", "fc"} {
		fp := fakeprovider.New(fakeprovider.Cerebras)
		fp.Limits = fakeprovider.Limits{RPM: rpm, RPD: 1_000_000, TPM: 10_000_000}
		fp.Enforce = &fakeprovider.Enforce{Minute: minute}
		fakes = append(fakes, fake{name, fp, "    dialect: cerebras\n" + limitsYAML(int(rpm))})
	}
	e, cat := world(t, fakes...)
	var targets []Target
	for _, f := range fakes {
		targets = append(targets, target(t, cat, f.name, "default"))
	}
	sink := &memSink{}
	start := time.Now()
	sum, err := Run(context.Background(), Config{Caller: e, Targets: targets, Sink: sink, Minute: minute}, rowsOf(n))
	if err != nil || len(sink.rows) != n {
		t.Fatalf("%v, %d rows", err, len(sink.rows))
	}
	var rejected int64
	for _, f := range fakes {
		rejected += f.srv.Rejected()
	}
	allowed := 3 * float64(rpm) / minute.Seconds()
	return float64(n) / time.Since(start).Seconds() / allowed, rejected, sum
}

// A pool of three targets of 20 requests per 3-second minute each.
func BenchmarkBatchPool(b *testing.B) {
	for i := 0; i < b.N; i++ {
		share, rejected, _ := pooled(b, 300, 20, 3*time.Second)
		b.ReportMetric(100*share, "%rate")
		b.ReportMetric(float64(rejected), "429s")
	}
}
