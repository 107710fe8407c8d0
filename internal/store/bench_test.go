package store

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// fullSnapshots fills a store with 16 providers x 3 keys x 5 models, each
// with four windows and a credit.
func fullSnapshots(tb testing.TB) *Store {
	tb.Helper()
	s := Open(tb.TempDir())
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	err := Update(s, snapshotsFile, func(st *snapshotsState) error {
		for p := range 16 {
			for k := range 3 {
				for m := range 5 {
					snap := quota.Snapshot{
						Provider: fmt.Sprintf("provider-%02d", p), Key: fmt.Sprintf("key-%d", k), Model: fmt.Sprintf("model-%d", m),
						ObservedAt: at,
						Windows: []quota.Window{
							win(quota.Requests, quota.PeriodMinute, 30, 29, at.Add(time.Minute), quota.SourceHeader),
							win(quota.Tokens, quota.PeriodMinute, 6000, 5000, at.Add(time.Minute), quota.SourceHeader),
							win(quota.Requests, quota.PeriodDay, 14400, 14000, at.Add(12*time.Hour), quota.SourceHeader),
							win(quota.Tokens, quota.PeriodDay, 500000, 400000, at.Add(12*time.Hour), quota.SourceHeader),
						},
						Credit: credit(10, "USD"),
					}
					st.Snapshots = append(st.Snapshots, normalizeSnapshot(snap))
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// fullLedger fills a ledger at its retention limit (2 h of minute buckets,
// 48 h of hour buckets, 62 days) for 16 providers, with realistic token
// counts.
func fullLedger(tb testing.TB, now time.Time) *Store {
	tb.Helper()
	s := Open(tb.TempDir())
	err := Update(s, ledgerFile, func(st *ledgerState) error {
		for p := range 16 {
			ser := ledgerSeries{Provider: fmt.Sprintf("provider-%02d", p), Key: "default", Model: "some-model-name-70b"}
			for m := unixMinute(now) - int64(MinuteRetention/time.Minute); m <= unixMinute(now); m++ {
				ser.Minutes = append(ser.Minutes, bucket{m, 1 + m%7, 1000 + m%5000, 200 + m%900})
			}
			for h := unixHour(now) - int64(HourRetention/time.Hour); h <= unixHour(now); h++ {
				ser.Hours = append(ser.Hours, bucket{h, 200, 400000, 80000})
			}
			for d := unixDay(now) - DayRetention + 1; d <= unixDay(now); d++ {
				ser.Days = append(ser.Days, bucket{d, 5000, 9000000, 2000000})
			}
			st.Series = append(st.Series, ser)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func BenchmarkSnapshotsRead(b *testing.B) {
	s := fullSnapshots(b)
	info, _ := os.Stat(filePath[snapshotsState](s, snapshotsFile))
	for b.Loop() {
		all, err := s.Snapshots()
		if err != nil || len(all) != 240 {
			b.Fatal(len(all), err)
		}
	}
	b.ReportMetric(float64(info.Size()), "file-bytes")
}

func BenchmarkUsageSince(b *testing.B) {
	now := time.Date(2025, 6, 1, 12, 0, 30, 0, time.UTC)
	s := fullLedger(b, now)
	path := filePath[ledgerState](s, ledgerFile)
	info, _ := os.Stat(path)
	// cold: what one `tier quota` process pays: read the file, then sum.
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			forgetLedger(path)
			if _, _, err := s.UsageSince("provider-07", "default", "", now.Add(-time.Hour), now); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(info.Size()), "file-bytes")
	})
	// warm: every further provider/key/model sum in the same process.
	for _, c := range []struct {
		name  string
		since time.Duration
	}{{"warm-1h", time.Hour}, {"warm-24h", 24 * time.Hour}, {"warm-30d", 30 * 24 * time.Hour}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := s.UsageSince("provider-07", "default", "", now.Add(-c.since), now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
