package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Each usage has a power-of-two request count, so a sum says which
// buckets were counted; tokens are always 11 x requests (10 prompt + 1
// completion per request).
func use(provider, key, model string, at time.Time, requests int64) Usage {
	return Usage{Provider: provider, Key: key, Model: model, At: at, Requests: requests,
		PromptTokens: 10 * requests, CompletionTokens: requests}
}

func TestUsageSince(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 30, 30, 0, time.UTC)
	s := Open(t.TempDir())
	const p, k, m = "groq", "default", "llama-3.1-8b-instant"
	day := func(d, h, min int) time.Time { return time.Date(2025, 5, d, h, min, 0, 0, time.UTC) }
	usages := []Usage{ // recorded in this order; pruning is relative to each At
		use(p, k, m, time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), 512), // 92 days ago: pruned entirely
		use(p, k, m, day(10, 8, 0), 256),                               // 22 days ago: day bucket only
		use(p, k, m, day(30, 8, 0), 128),                               // 52.5 h ago: day bucket only
		use(p, k, m, day(30, 12, 10), 64),                              // 48 h 20 m ago, in the hour 48 h ago: hour and day
		use(p, k, m, day(31, 12, 30), 32),                              // 24 h ago
		use(p, k, m, now.Add(-140*time.Minute), 16),                    // 10:10, 2 h 20 m ago: hour and day
		use(p, k, m, now.Add(-110*time.Minute), 8),                     // 10:40
		use(p, k, m, time.Date(2025, 6, 1, 11, 30, 0, 0, time.UTC), 4),
		use(p, k, m, time.Date(2025, 6, 1, 12, 29, 59, 0, time.UTC), 2),
		use(p, k, "other-model", now.Add(-10*time.Second), 1024),
		use(p, "work", m, now.Add(-10*time.Second), 2048),
		use("cerebras", k, m, now.Add(-10*time.Second), 4096),
		use(p, k, m, now.Add(-10*time.Second), 1), // 12:30:20
	}
	for _, u := range usages {
		if err := s.RecordUsage(u); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name         string
		model        string
		since, now   time.Time
		wantRequests int64
	}{
		{"since inside the current minute counts that minute whole", m, now.Add(-5 * time.Second), now, 1},
		{"since on a minute boundary", m, time.Date(2025, 6, 1, 12, 30, 0, 0, time.UTC), now, 1},
		{"since half a second into the previous minute counts it whole", m, time.Date(2025, 6, 1, 12, 29, 59, 500e6, time.UTC), now, 1 + 2},
		{"the last hour", m, now.Add(-time.Hour), now, 1 + 2 + 4},
		{"since 1 ms after a bucket's start still counts it (over-count, the safe side)", m, time.Date(2025, 6, 1, 11, 30, 0, 1e6, time.UTC), now, 1 + 2 + 4},
		{"since the minute after a bucket excludes it", m, time.Date(2025, 6, 1, 11, 31, 0, 0, time.UTC), now, 1 + 2},
		{"exactly 2 h uses minute buckets", m, now.Add(-2 * time.Hour), now, 1 + 2 + 4 + 8},
		{"over 2 h uses hour buckets: the hour straddling since counts whole", m, now.Add(-2*time.Hour - time.Second), now, 1 + 2 + 4 + 8 + 16},
		{"since the hour after a bucket excludes it", m, day(30, 13, 0), now, 1 + 2 + 4 + 8 + 16 + 32},
		{"exactly 48 h uses hour buckets", m, now.Add(-48 * time.Hour), now, 1 + 2 + 4 + 8 + 16 + 32 + 64},
		{"over 48 h uses whole UTC days", m, now.Add(-48*time.Hour - time.Second), now, 1 + 2 + 4 + 8 + 16 + 32 + 64 + 128},
		{"a day straddling since counts whole", m, time.Date(2025, 5, 10, 23, 59, 59, 0, time.UTC), now, 1 + 2 + 4 + 8 + 16 + 32 + 64 + 128 + 256},
		{"since midnight after a day excludes it", m, time.Date(2025, 5, 11, 0, 0, 0, 0, time.UTC), now, 1 + 2 + 4 + 8 + 16 + 32 + 64 + 128},
		{"usage older than 62 days is not kept", m, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), now, 1 + 2 + 4 + 8 + 16 + 32 + 64 + 128 + 256},
		{"buckets after now are not counted", m, now.Add(-time.Hour), time.Date(2025, 6, 1, 12, 29, 59, 500e6, time.UTC), 2 + 4},
		{"since after now counts nothing", m, now.Add(time.Minute), now, 0},
		{"model \"\" adds up every model of the provider and key", "", now.Add(-time.Minute), now, 1 + 2 + 1024},
		{"an unknown model counts nothing", "unknown", now.Add(-time.Hour), now, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, tok, err := s.UsageSince(p, k, c.model, c.since, c.now)
			if err != nil {
				t.Fatal(err)
			}
			if r != c.wantRequests || tok != 11*c.wantRequests {
				t.Errorf("UsageSince = %d requests, %d tokens; want %d, %d", r, tok, c.wantRequests, 11*c.wantRequests)
			}
		})
	}
	t.Run("other keys and providers are separate", func(t *testing.T) {
		for _, c := range []struct {
			provider, key string
			want          int64
		}{{p, "work", 2048}, {"cerebras", k, 4096}, {"mistral", k, 0}} {
			if r, _, err := s.UsageSince(c.provider, c.key, "", now.Add(-time.Hour), now); r != c.want || err != nil {
				t.Errorf("UsageSince(%s, %s) = %d, %v; want %d", c.provider, c.key, r, err, c.want)
			}
		}
	})
}

// viewOf is st as UsageSince reads it from its file.
func viewOf(t *testing.T, st ledgerState) *ledgerView {
	t.Helper()
	b, err := st.marshalState()
	if err != nil {
		t.Fatal(err)
	}
	series, err := parseLedger(b)
	if err != nil {
		t.Fatal(err)
	}
	return &ledgerView{path: "ledger.bin", series: series}
}

func requestsIn(bs []bucket) (n int64) {
	for _, b := range bs {
		n += b[1]
	}
	return n
}

func TestLedgerBucketsAndPruning(t *testing.T) {
	start := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name                             string
		every                            time.Duration
		count                            int
		wantMinutes, wantHours, wantDays int
		wantFirstMinute, wantFirstHour   time.Time // oldest buckets kept
		wantMinuteRequests               int64     // requests in the minute buckets
		wantHourRequests                 int64     // requests in the hour buckets
	}{
		{"calls within one minute share a bucket", time.Second, 59, 1, 1, 1, start, start, 59, 59},
		{"one call a minute for an hour", time.Minute, 60, 60, 1, 1, start, start, 60, 60},
		{"one call a minute for five days keeps 2 h of minutes and 48 h of hours, each with the current one",
			time.Minute, 5 * 24 * 60, 121, 49, 5,
			start.Add(5*24*time.Hour - time.Minute - 2*time.Hour), start.Add(5*24*time.Hour - time.Hour - 48*time.Hour),
			121, 49 * 60},
		{"one call an hour for 100 days keeps 62 days", time.Hour, 100 * 24, 3, 49, 62,
			start.Add(100*24*time.Hour - time.Hour - 2*time.Hour), start.Add(100*24*time.Hour - time.Hour - 48*time.Hour),
			3, 49},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var st ledgerState
			for i := range c.count {
				st.add(use("groq", "default", "m", start.Add(time.Duration(i)*c.every), 1))
			}
			if len(st.Series) != 1 {
				t.Fatalf("%d series, want 1", len(st.Series))
			}
			ser := st.Series[0]
			if len(ser.Minutes) != c.wantMinutes || len(ser.Hours) != c.wantHours || len(ser.Days) != c.wantDays {
				t.Errorf("%d minute, %d hour and %d day buckets, want %d, %d and %d",
					len(ser.Minutes), len(ser.Hours), len(ser.Days), c.wantMinutes, c.wantHours, c.wantDays)
			}
			if got := time.Unix(ser.Minutes[0][0]*60, 0).UTC(); !got.Equal(c.wantFirstMinute) {
				t.Errorf("oldest minute bucket %v, want %v", got, c.wantFirstMinute)
			}
			if got := time.Unix(ser.Hours[0][0]*3600, 0).UTC(); !got.Equal(c.wantFirstHour) {
				t.Errorf("oldest hour bucket %v, want %v", got, c.wantFirstHour)
			}
			if got := requestsIn(ser.Minutes); got != c.wantMinuteRequests {
				t.Errorf("minute buckets hold %d requests, want %d", got, c.wantMinuteRequests)
			}
			if got := requestsIn(ser.Hours); got != c.wantHourRequests {
				t.Errorf("hour buckets hold %d requests, want %d", got, c.wantHourRequests)
			}
			if got := requestsIn(ser.Days); got != int64(min(c.count, int(62*24*time.Hour/c.every))) {
				t.Errorf("day buckets hold %d requests, want every call of the last 62 days", got)
			}
			last := start.Add(time.Duration(c.count-1) * c.every)
			v := viewOf(t, st)
			for _, span := range []struct {
				d    time.Duration
				want int64
			}{{2 * time.Hour, c.wantMinuteRequests}, {48 * time.Hour, c.wantHourRequests}} {
				if got, _ := v.sum("groq", "default", "", last.Add(-span.d), last); got[1] != span.want {
					t.Errorf("%v sum %d, want every bucket of its resolution kept (%d)", span.d, got[1], span.want)
				}
			}
		})
	}
	t.Run("a series whose buckets all age out is dropped", func(t *testing.T) {
		var st ledgerState
		st.add(use("old", "default", "m", start, 1))
		st.add(use("groq", "default", "m", start.Add(63*24*time.Hour), 1))
		if len(st.Series) != 1 || st.Series[0].Provider != "groq" {
			t.Errorf("series left: %+v", st.Series)
		}
	})
	t.Run("a late usage lands in its own bucket, in order", func(t *testing.T) {
		var st ledgerState
		for _, min := range []int{0, 5, 2, 5, 0} {
			st.add(use("groq", "default", "m", start.Add(time.Duration(min)*time.Minute), 1))
		}
		got := fmt.Sprint(st.Series[0].Minutes)
		m0 := unixMinute(start)
		want := fmt.Sprint([]bucket{{m0, 2, 20, 2}, {m0 + 2, 1, 10, 1}, {m0 + 5, 2, 20, 2}})
		if got != want {
			t.Errorf("minute buckets %s, want %s", got, want)
		}
	})
	t.Run("counts saturate rather than wrap", func(t *testing.T) {
		var st ledgerState
		st.add(Usage{Provider: "groq", At: start, Requests: math.MaxInt64 - 1})
		st.add(Usage{Provider: "groq", At: start, Requests: 5})
		if got := st.Series[0].Minutes[0][1]; got != math.MaxInt64 {
			t.Errorf("requests = %d, want %d", got, int64(math.MaxInt64))
		}
	})
}

func TestRecordUsageRejectsBadUsage(t *testing.T) {
	cases := []struct {
		name string
		u    Usage
	}{
		{"no provider", Usage{Requests: 1}},
		{"negative requests", Usage{Provider: "groq", Requests: -1}},
		{"negative tokens", Usage{Provider: "groq", CompletionTokens: -5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := Open(t.TempDir()).RecordUsage(c.u); err == nil {
				t.Error("RecordUsage accepted it")
			}
		})
	}
	t.Run("a usage of nothing writes nothing", func(t *testing.T) {
		s := Open(t.TempDir())
		if err := s.RecordUsage(Usage{Provider: "groq", At: t0}); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filePath[ledgerState](s, ledgerFile)); !os.IsNotExist(err) {
			t.Errorf("ledger file written: %v", err)
		}
	})
}

func TestLedgerCodec(t *testing.T) {
	var st ledgerState
	st.add(use("groq", "default", "llama", time.Unix(-3*86400, 0), 1)) // before 1970: negative starts
	st.add(use("groq", "default", "llama", time.Unix(-3*86400+7200, 0), 1<<40))
	st.add(use("cerebras", "", "", time.Unix(-3*86400+60, 0), 3))
	good, err := st.marshalState()
	if err != nil {
		t.Fatal(err)
	}
	var back ledgerState
	if err := back.unmarshalState(good); err != nil {
		t.Fatalf("round trip: %v", err)
	}
	if fmt.Sprint(back) != fmt.Sprint(st) {
		t.Errorf("round trip\n%v\nwant\n%v", back, st)
	}
	flip := bytes.Clone(good)
	flip[len(ledgerMagic)+5] ^= 0x10
	// Buckets out of order under a good checksum: only a file written
	// wrong can have them; they are found when the list is decoded.
	var bad ledgerState
	bad.Series = []ledgerSeries{{Provider: "groq", Minutes: []bucket{{5, 1, 1, 1}, {3, 1, 1, 1}}}}
	badList, _ := bad.marshalState()
	cases := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"truncated", good[:len(good)-7], "checksum"},
		{"a flipped bit", flip, "checksum"},
		{"not a ledger", []byte(`{"series":[]}`), "not a valid tier ledger"},
		{"a newer format", withCRC(ledgerMagic + "\x03"), "format 3"},
		{"format 0", withCRC(ledgerMagic + "\x00"), "format 0"},
		{"a damaged list", badList, "out of order"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var st ledgerState
			err := st.unmarshalState(c.data)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("unmarshalState: %v, want an error with %q", err, c.wantErr)
			}
		})
	}
	t.Run("a damaged list fails the sums that read it, as a damaged file", func(t *testing.T) {
		s := Open(t.TempDir())
		path := writeRaw[ledgerState](t, s, ledgerFile, badList)
		_, _, err := s.UsageSince("groq", "", "", t0.Add(-time.Minute), t0)
		if err == nil || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
			t.Errorf("UsageSince: %v, want ErrCorrupt naming %s", err, path)
		}
		if err := s.RecordUsage(use("groq", "", "", t0, 1)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("RecordUsage: %v, want ErrCorrupt (the file is not overwritten)", err)
		}
	})
}

// withCRC appends a checksum to data, as the binary files end.
func withCRC(data string) []byte {
	return binary.BigEndian.AppendUint32([]byte(data), crc32.ChecksumIEEE([]byte(data)))
}

// format1 encodes series as tier wrote the ledger before hour buckets:
// minute and day lists, no byte lengths.
func format1(series []ledgerSeries) []byte {
	b := []byte(ledgerMagic)
	b = binary.AppendUvarint(b, 1)
	b = binary.AppendUvarint(b, uint64(len(series)))
	for _, ser := range series {
		for _, str := range []string{ser.Provider, ser.Key, ser.Model} {
			b = binary.AppendUvarint(b, uint64(len(str)))
			b = append(b, str...)
		}
		b = appendBuckets(b, ser.Minutes)
		b = appendBuckets(b, ser.Days)
	}
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func TestLedgerFormat1IsRead(t *testing.T) {
	// A format 1 ledger at its retention limit: one call a minute for 48 h
	// up to 12:30 (2881 minutes), and 10 calls a day for 62 days; a second
	// series last used at 09:15 (its minutes then are more than 2 h older
	// than the file's last minute).
	last := time.Date(2025, 6, 1, 12, 30, 0, 0, time.UTC)
	heavy := ledgerSeries{Provider: "groq", Key: "default", Model: "m"}
	for m := unixMinute(last) - 48*60; m <= unixMinute(last); m++ {
		heavy.Minutes = append(heavy.Minutes, bucket{m, 1, 10, 1})
	}
	for d := unixDay(last) - 61; d <= unixDay(last); d++ {
		heavy.Days = append(heavy.Days, bucket{d, 10, 100, 10})
	}
	light := ledgerSeries{Provider: "groq", Key: "work", Model: "m",
		Minutes: []bucket{{unixMinute(last.Add(-195 * time.Minute)), 7, 70, 7}},
		Days:    []bucket{{unixDay(last), 7, 70, 7}}}
	data := format1([]ledgerSeries{heavy, light})

	var st ledgerState
	if err := st.unmarshalState(data); err != nil {
		t.Fatal(err)
	}
	h, l := st.Series[0], st.Series[1]
	if len(h.Minutes) != 121 || len(h.Hours) != 49 || len(h.Days) != 62 {
		t.Errorf("heavy series: %d minute, %d hour, %d day buckets; want 121, 49, 62", len(h.Minutes), len(h.Hours), len(h.Days))
	}
	if got := time.Unix(h.Minutes[0][0]*60, 0).UTC(); !got.Equal(last.Add(-2 * time.Hour)) {
		t.Errorf("oldest minute kept %v, want 2 h before the last one", got)
	}
	// 48 h back from 12:30 starts at 12:30 two days ago: that hour holds
	// 30 minutes, the 48 after it 60 each (the last one up to 12:30: 31).
	wantHours := fmt.Sprint(bucket{unixHour(last) - 48, 30, 300, 30}, bucket{unixHour(last), 31, 310, 31})
	if got := fmt.Sprint(h.Hours[0], h.Hours[48]); got != wantHours {
		t.Errorf("first and last hour buckets %s, want %s", got, wantHours)
	}
	if got := requestsIn(h.Hours); got != 2881 {
		t.Errorf("hour buckets hold %d requests, want every minute's (2881)", got)
	}
	if len(l.Minutes) != 0 || requestsIn(l.Hours) != 7 || requestsIn(l.Days) != 7 {
		t.Errorf("light series: %v; want its minute only in an hour bucket", l)
	}

	s := Open(t.TempDir())
	path := writeRaw[ledgerState](t, s, ledgerFile, data)
	for _, c := range []struct {
		since time.Duration
		want  int64
	}{{time.Hour, 61}, {24 * time.Hour, 24*60 + 31}, {48 * time.Hour, 2881}, {30 * 24 * time.Hour, 31 * 10}} {
		if r, _, err := s.UsageSince("groq", "default", "m", last.Add(-c.since), last); r != c.want || err != nil {
			t.Errorf("UsageSince(%v) = %d, %v; want %d", c.since, r, err, c.want)
		}
	}
	// The next write stores format 2, with what format 1 held.
	if err := s.RecordUsage(use("groq", "default", "m", last.Add(30*time.Second), 1)); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); len(b) <= len(ledgerMagic) || b[len(ledgerMagic)] != ledgerVersion {
		t.Errorf("the file was not rewritten in format %d", ledgerVersion)
	}
	if r, _, err := s.UsageSince("groq", "default", "m", last.Add(-24*time.Hour), last.Add(time.Minute)); r != 24*60+32 || err != nil {
		t.Errorf("after the rewrite, 24 h hold %d requests (%v), want %d", r, err, 24*60+32)
	}
}

// The fuzzers get a file without its checksum, which they add: a random
// change fails the checksum, and the decoder behind it would go untried.
func FuzzLedgerDecode(f *testing.F) {
	var st ledgerState
	st.add(use("groq", "default", "llama", t0, 3))
	st.add(use("groq", "default", "llama", t0.Add(time.Hour), 5))
	st.add(use("groq", "work", "llama", t0.Add(time.Hour), 5))
	good, _ := st.marshalState()
	f.Add(good[:len(good)-4])
	f.Add(good[:len(good)/2])
	v1 := format1([]ledgerSeries{{Provider: "groq", Minutes: []bucket{{5, 1, 1, 1}, {70, 2, 2, 2}}, Days: []bucket{{0, 3, 3, 3}}}})
	f.Add(v1[:len(v1)-4])
	f.Fuzz(func(t *testing.T, body []byte) {
		data := withCRC(string(body))
		if series, err := parseLedger(data); err == nil {
			v := &ledgerView{series: series}
			for _, ser := range series {
				for _, span := range []time.Duration{time.Hour, 24 * time.Hour, 30 * 24 * time.Hour} {
					v.sum(ser.Provider, ser.Key, "", t0.Add(-span), t0) // must not panic
				}
			}
		}
		var st ledgerState
		if st.unmarshalState(data) != nil {
			return
		}
		again, err := st.marshalState()
		if err != nil {
			t.Fatal(err)
		}
		var back ledgerState
		if err := back.unmarshalState(again); err != nil || fmt.Sprint(back) != fmt.Sprint(st) {
			t.Errorf("a decoded file does not survive a write and a read: %v", err)
		}
	})
}

// The multi-process test re-runs this test binary as a child that records
// usage; TestMain sends it here.
const childEnv = "TIER_STORE_TEST_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(childRecordUsage(dir))
	}
	os.Exit(m.Run())
}

func childRecordUsage(dir string) int {
	LockTimeout = time.Minute // the race detector and a busy machine are slow
	s := Open(dir)
	n, _ := strconv.Atoi(os.Getenv("TIER_STORE_TEST_CHILD_N"))
	model := os.Getenv("TIER_STORE_TEST_CHILD_MODEL")
	for range n {
		if err := s.RecordUsage(use("groq", "default", model, t0, 1)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

func TestConcurrentUpdates(t *testing.T) {
	old := LockTimeout
	LockTimeout = time.Minute // the race detector and a busy machine are slow
	t.Cleanup(func() { LockTimeout = old })

	t.Run("50 goroutines", func(t *testing.T) {
		s := Open(t.TempDir())
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for i := range 50 {
			wg.Go(func() {
				errs <- s.RecordUsage(use("groq", "default", fmt.Sprint("model-", i%5), t0, 1))
				// Every goroutine adds its own window; with no lost update
				// all 50 survive the merges (their resets are in the future).
				errs <- s.SaveSnapshot(snap(t0, win(fmt.Sprint("metric-", i), "day", 100, 1, t0.Add(time.Hour), "header")))
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if r, tok, err := s.UsageSince("groq", "default", "", t0, t0); r != 50 || tok != 550 || err != nil {
			t.Errorf("ledger holds %d requests, %d tokens (%v); want 50, 550", r, tok, err)
		}
		sn, _, err := s.Snapshot("groq", "default", "llama-3.1-8b-instant")
		if err != nil || len(sn.Windows) != 50 {
			t.Errorf("snapshot has %d windows (%v), want 50", len(sn.Windows), err)
		}
		assertNoTempFiles(t, s.Dir)
	})

	t.Run("20 processes x 20 records", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts 20 processes")
		}
		s := Open(t.TempDir())
		const procs, each = 20, 20
		cmds := make([]*exec.Cmd, procs)
		outs := make([]bytes.Buffer, procs)
		for i := range cmds {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+s.Dir, "TIER_STORE_TEST_CHILD_N="+strconv.Itoa(each),
				"TIER_STORE_TEST_CHILD_MODEL="+fmt.Sprint("model-", i%3))
			cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds[i] = cmd
		}
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("child %d: %v: %s", i, err, outs[i].String())
			}
		}
		r, tok, err := s.UsageSince("groq", "default", "", t0, t0)
		if err != nil || r != procs*each || tok != 11*procs*each {
			t.Errorf("ledger holds %d requests, %d tokens (%v); want %d, %d", r, tok, err, procs*each, 11*procs*each)
		}
		if r, _, _ := s.UsageSince("groq", "default", "model-1", t0, t0); r != 7*each {
			t.Errorf("model-1 has %d requests, want %d", r, 7*each)
		}
		assertNoTempFiles(t, s.Dir)
	})
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	tmp, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
	if len(tmp) > 0 {
		t.Errorf("temp files left behind: %v", tmp)
	}
}

func TestTokensSinceSplitsPromptAndCompletion(t *testing.T) {
	s := Open(t.TempDir())
	for _, u := range []Usage{
		{Provider: "groq", Key: "default", Model: "a", At: t0, Requests: 1, PromptTokens: 100, CompletionTokens: 7},
		{Provider: "groq", Key: "default", Model: "b", At: t0.Add(time.Minute), Requests: 1, PromptTokens: 20, CompletionTokens: 3},
	} {
		if err := s.RecordUsage(u); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name                  string
		model                 string
		wantPrompt, wantCompl int64
	}{
		{"one model", "a", 100, 7},
		{"all models", "", 120, 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, cpl, err := s.TokensSince("groq", "default", c.model, t0, t0.Add(time.Hour))
			if err != nil || p != c.wantPrompt || cpl != c.wantCompl {
				t.Errorf("TokensSince = %d, %d, %v; want %d, %d", p, cpl, err, c.wantPrompt, c.wantCompl)
			}
		})
	}
}
