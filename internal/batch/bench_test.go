package batch

import (
	"testing"
	"time"
)

// The figures: 300 rows against 60 requests per 3-second
// "minute". go test -bench Batch -benchtime 1x ./internal/batch/
//
// Besides the rate and the 429s: turnover_ms, how long after a fake's
// window opened its first request came (on average); fewest/window, the
// fewest requests a full window took; %waiting, the share of the run a
// target spent with its window used up, waiting for it to turn over.
func BenchmarkBatchHeaders(b *testing.B) {
	for i := 0; i < b.N; i++ {
		paced(b, 300, 60, 3*time.Second, true).report(b)
	}
}

func BenchmarkBatchNoHeaders(b *testing.B) {
	for i := 0; i < b.N; i++ {
		m := paced(b, 300, 60, 3*time.Second, false)
		b.ReportMetric(100*m.share, "%rate")
		b.ReportMetric(100*float64(m.rejected)/300, "%429s")
	}
}

// A pool of three targets of 20 requests per 3-second minute each: the
// rate is a share of the sum of their limits; %slowest is the slowest
// target's share of its own.
func BenchmarkBatchPool(b *testing.B) {
	for i := 0; i < b.N; i++ {
		m := pooled(b, 300, 20, 3*time.Second)
		m.report(b)
		b.ReportMetric(100*m.slowest, "%slowest")
	}
}
