package batch

import (
	"testing"
	"time"
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
