package cli

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

// 'tier quota' must take 15 ms or less with a full state store: every
// provider of the built-in catalog (16) with 3 keys and 5 models each, their
// snapshots (and each key's balance), and a usage ledger at its retention
// limit, 2 h of minute buckets, 48 h of hour buckets and 62 days, for one
// series per provider (a heavy user) or for all 240 provider/key/model
// series (the worst case).
//
//	go test -run '^$' -bench Quota -benchtime 100x ./internal/cli/
//
// BenchmarkQuotaRun is the command in process, with the files read afresh
// each time as a new process reads them; BenchmarkQuotaBinary runs the
// built binary, process start included, as a user's shell does.

// benchKeys and benchModels per provider.
var benchKeys = []string{"ci", "default", "work"}

const benchModels = 5

// fullState fills dir with the full state store as of now and returns the
// environment to run tier against it. ledgerSeries is how many of the 240
// provider/key/model series have a ledger at its retention limit: 240 is
// the worst case, 16 (one per provider) a heavy user's.
func quotaBenchState(tb testing.TB, dir string, now time.Time, ledgerSeries int) map[string]string {
	tb.Helper()
	env := map[string]string{"TIER_STATE_DIR": dir, "TIER_CONFIG_DIR": filepath.Join(dir, "config"),
		"TIER_NO_KEYRING": "1", "HOME": dir, "NO_COLOR": "1"}
	cat, err := catalog.Load(func(k string) string { return env[k] })
	if err != nil {
		tb.Fatal(err)
	}
	st := store.Open(dir)
	i64 := func(v int64) *int64 { return &v }
	at := func(d time.Duration) *time.Time { t := now.Add(d).UTC().Truncate(time.Second); return &t }
	var series []benchSeries
	providers := cat.Names()
	if len(providers) < 16 {
		tb.Fatalf("the catalog has %d providers, the benchmark wants 16", len(providers))
	}
	for _, p := range providers[:16] {
		prof, _ := cat.Profile(p)
		models := []string{prof.DefaultModel}
		for _, m := range prof.Models {
			if len(models) < benchModels && m.ID != prof.DefaultModel {
				models = append(models, m.ID)
			}
		}
		for len(models) < benchModels {
			models = append(models, fmt.Sprintf("bench-model-%d", len(models)))
		}
		for _, k := range benchKeys {
			if err := overview.MarkSeen(st, p, k, now.Add(-30*24*time.Hour)); err != nil {
				tb.Fatal(err)
			}
			bal := 4.2
			if err := st.SaveSnapshot(quota.Snapshot{Provider: p, Key: k, ObservedAt: now.Add(-time.Hour),
				Windows: []quota.Window{}, Credit: &quota.Credit{Remaining: &bal, Unit: "USD", Source: quota.SourceBalance}}); err != nil {
				tb.Fatal(err)
			}
			for i, m := range models {
				observed := now.Add(-time.Duration(i) * 20 * time.Minute) // some windows projected
				if err := st.SaveSnapshot(quota.Snapshot{Provider: p, Key: k, Model: m, ObservedAt: observed,
					Windows: []quota.Window{
						{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: i64(30), Remaining: i64(29), ResetAt: at(time.Minute - time.Duration(i)*20*time.Minute), Source: quota.SourceHeader},
						{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i64(14400), Remaining: i64(14000), ResetAt: at(12 * time.Hour), Source: quota.SourceHeader},
						{Metric: quota.Tokens, Period: quota.PeriodMinute, Limit: i64(6000), Remaining: i64(5000), ResetAt: at(time.Minute), Source: quota.SourceHeader},
					}}); err != nil {
					tb.Fatal(err)
				}
				if k == "default" && i == 0 || ledgerSeries == 240 {
					series = append(series, benchSeries{p, k, m})
				}
			}
		}
	}
	writeBenchLedger(tb, filepath.Join(dir, "ledger.bin"), series, now)
	return env
}

type benchSeries struct{ provider, key, model string }

// writeBenchLedger writes a usage ledger at its retention limit for every series,
// in the store's binary format (internal/store/ledger_codec.go; the store
// refuses a file that does not match it, so a change there fails here).
// Recording 2 h of minutes, 48 h of hours and 62 days one call at a time
// for 240 series would take minutes.
func writeBenchLedger(tb testing.TB, path string, series []benchSeries, now time.Time) {
	tb.Helper()
	slices.SortFunc(series, func(a, b benchSeries) int {
		return cmp.Or(cmp.Compare(a.provider, b.provider), cmp.Compare(a.key, b.key), cmp.Compare(a.model, b.model))
	})
	m1 := now.Unix() / 60
	h1 := now.Unix() / 3600
	d1 := now.Unix() / 86400
	ranges := [][2]int64{ // minutes, hours, days
		{m1 - int64(store.MinuteRetention/time.Minute), m1},
		{h1 - int64(store.HourRetention/time.Hour), h1},
		{d1 - store.DayRetention + 1, d1},
	}
	b := []byte("tier-ledger\n")
	b = binary.AppendUvarint(b, 2) // format
	b = binary.AppendUvarint(b, uint64(len(series)))
	for _, s := range series {
		for _, str := range []string{s.provider, s.key, s.model} {
			b = binary.AppendUvarint(b, uint64(len(str)))
			b = append(b, str...)
		}
		for _, r := range ranges { // a list: its byte length, the count, the buckets
			list := binary.AppendUvarint(nil, uint64(r[1]-r[0]+1))
			for t := r[0]; t <= r[1]; t++ {
				if t == r[0] {
					list = binary.AppendVarint(list, t)
				} else {
					list = binary.AppendUvarint(list, 1)
				}
				list = binary.AppendUvarint(list, uint64(1+t%3))
				list = binary.AppendUvarint(list, uint64(300+t%700))
				list = binary.AppendUvarint(list, uint64(50+t%200))
			}
			b = binary.AppendUvarint(b, uint64(len(list)))
			b = append(b, list...)
		}
	}
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	// The store must read it back, every list of it (the store decodes a
	// list when it sums it): the benchmark is void otherwise.
	st := store.Open(filepath.Dir(path))
	for _, s := range series {
		for _, span := range []time.Duration{time.Hour, 24 * time.Hour, 30 * 24 * time.Hour} {
			r, _, err := st.UsageSince(s.provider, s.key, s.model, now.Add(-span), now)
			if err != nil || r == 0 {
				tb.Fatalf("the benchmark's ledger does not read back (%d requests in %v of %v): %v", r, span, s, err)
			}
		}
	}
}

func runQuotaBench(b *testing.B, args ...string) {
	for _, n := range []int{16, 240} {
		b.Run(fmt.Sprintf("ledger-series=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			env := quotaBenchState(b, dir, time.Now(), n)
			e := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
			if code := Run(context.Background(), e, args); code != 0 {
				b.Fatalf("tier %s: exit %d", strings.Join(args, " "), code)
			}
			ledger := filepath.Join(dir, "ledger.bin")
			mtime := time.Now()
			for b.Loop() {
				// A new process decodes the ledger; this one would reuse it.
				mtime = mtime.Add(time.Second)
				if err := os.Chtimes(ledger, mtime, mtime); err != nil {
					b.Fatal(err)
				}
				Run(context.Background(), e, args)
			}
		})
	}
}

// BenchmarkQuotaRun: 'tier quota' in process (table to a pipe).
func BenchmarkQuotaRun(b *testing.B) { runQuotaBench(b, "quota") }

// BenchmarkQuotaRunJSON: 'tier quota --json' in process.
func BenchmarkQuotaRunJSON(b *testing.B) { runQuotaBench(b, "quota", "--json") }

// BenchmarkQuotaBinary: the built binary, wall time per run.
func BenchmarkQuotaBinary(b *testing.B) {
	bin := releaseBinary(b)
	dir := b.TempDir()
	for _, n := range []int{16, 240} {
		b.Run(fmt.Sprintf("ledger-series=%d", n), func(b *testing.B) {
			env := environOf(quotaBenchState(b, filepath.Join(dir, fmt.Sprint("state-", n)), time.Now(), n))
			benchProcess(b, bin, env, nil, "quota")
		})
	}
}
