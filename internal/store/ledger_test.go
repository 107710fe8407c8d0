package store

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
	now := time.Date(2025, 6, 1, 12, 0, 30, 0, time.UTC)
	s := Open(t.TempDir())
	const p, k, m = "groq", "default", "llama-3.1-8b-instant"
	usages := []Usage{ // recorded in this order; pruning is relative to each At
		use(p, k, m, time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), 32),    // 92 days ago: pruned entirely
		use(p, k, m, time.Date(2025, 5, 10, 8, 0, 0, 0, time.UTC), 16),   // 22 days ago: day bucket only
		use(p, k, m, time.Date(2025, 5, 30, 11, 59, 0, 0, time.UTC), 64), // 48 h 1 m ago: day bucket only
		use(p, k, m, time.Date(2025, 5, 31, 12, 30, 0, 0, time.UTC), 8),  // 23.5 h ago
		use(p, k, m, time.Date(2025, 6, 1, 11, 0, 0, 0, time.UTC), 4),
		use(p, k, m, time.Date(2025, 6, 1, 11, 59, 59, 0, time.UTC), 2),
		use(p, k, "other-model", now.Add(-10*time.Second), 128),
		use(p, "work", m, now.Add(-10*time.Second), 256),
		use("cerebras", k, m, now.Add(-10*time.Second), 512),
		use(p, k, m, now.Add(-10*time.Second), 1), // 12:00:20
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
		{"since on a minute boundary", m, time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), now, 1},
		{"since half a second into the previous minute counts it whole", m, time.Date(2025, 6, 1, 11, 59, 59, 500e6, time.UTC), now, 1 + 2},
		{"the last hour", m, now.Add(-time.Hour), now, 1 + 2 + 4},
		{"since 1 ms after a bucket's start still counts it (over-count, the safe side)", m, time.Date(2025, 6, 1, 11, 0, 0, 1e6, time.UTC), now, 1 + 2 + 4},
		{"since the minute after a bucket excludes it", m, time.Date(2025, 6, 1, 11, 1, 0, 0, time.UTC), now, 1 + 2},
		{"exactly 48 h uses minute buckets", m, now.Add(-48 * time.Hour), now, 1 + 2 + 4 + 8},
		{"over 48 h uses whole UTC days", m, now.Add(-48*time.Hour - time.Second), now, 1 + 2 + 4 + 8 + 64},
		{"a day straddling since counts whole", m, time.Date(2025, 5, 10, 23, 59, 59, 0, time.UTC), now, 1 + 2 + 4 + 8 + 64 + 16},
		{"since midnight after a day excludes it", m, time.Date(2025, 5, 11, 0, 0, 0, 0, time.UTC), now, 1 + 2 + 4 + 8 + 64},
		{"usage older than 62 days is not kept", m, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), now, 1 + 2 + 4 + 8 + 64 + 16},
		{"buckets after now are not counted", m, now.Add(-time.Hour), time.Date(2025, 6, 1, 11, 59, 59, 500e6, time.UTC), 2 + 4},
		{"since after now counts nothing", m, now.Add(time.Minute), now, 0},
		{"model \"\" adds up every model of the provider and key", "", now.Add(-time.Minute), now, 1 + 2 + 128},
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
		}{{p, "work", 256}, {"cerebras", k, 512}, {"mistral", k, 0}} {
			if r, _, err := s.UsageSince(c.provider, c.key, "", now.Add(-time.Hour), now); r != c.want || err != nil {
				t.Errorf("UsageSince(%s, %s) = %d, %v; want %d", c.provider, c.key, r, err, c.want)
			}
		}
	})
}

func TestLedgerBucketsAndPruning(t *testing.T) {
	start := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name                  string
		every                 time.Duration
		count                 int
		wantMinutes, wantDays int
		wantFirstMinute       time.Time // oldest minute bucket kept
	}{
		{"calls within one minute share a bucket", time.Second, 59, 1, 1, start},
		{"one call a minute for an hour", time.Minute, 60, 60, 1, start},
		{"one call a minute for five days keeps 48 h + the current minute", time.Minute, 5 * 24 * 60, 2881, 5,
			start.Add(5*24*time.Hour - time.Minute - 48*time.Hour)},
		{"one call an hour for 100 days keeps 62 days", time.Hour, 100 * 24, 49, 62,
			start.Add(100*24*time.Hour - time.Hour - 48*time.Hour)},
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
			if len(ser.Minutes) != c.wantMinutes || len(ser.Days) != c.wantDays {
				t.Errorf("%d minute and %d day buckets, want %d and %d", len(ser.Minutes), len(ser.Days), c.wantMinutes, c.wantDays)
			}
			if got := time.Unix(ser.Minutes[0][0]*60, 0).UTC(); !got.Equal(c.wantFirstMinute) {
				t.Errorf("oldest minute bucket %v, want %v", got, c.wantFirstMinute)
			}
			var total int64
			for _, b := range ser.Minutes {
				total += b[1]
			}
			last := start.Add(time.Duration(c.count-1) * c.every)
			if want := int64(min(c.count, int(48*time.Hour/c.every)+1)); total != want {
				t.Errorf("minute buckets hold %d requests, want %d", total, want)
			}
			if r, _, _ := st.usageSince("groq", "default", "", last.Add(-48*time.Hour), last); r != total {
				t.Errorf("48 h sum %d, want every minute bucket kept (%d)", r, total)
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
	newer := append([]byte(ledgerMagic), 2)
	cases := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"truncated", good[:len(good)-7], "checksum"},
		{"a flipped bit", flip, "checksum"},
		{"not a ledger", []byte(`{"series":[]}`), "not a valid tier ledger"},
		{"a newer format", binaryAppendCRC(newer), "format 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var st ledgerState
			err := st.unmarshalState(c.data)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(c.wantErr)) {
				t.Errorf("unmarshalState: %v, want an error with %q", err, c.wantErr)
			}
		})
	}
}

func binaryAppendCRC(b []byte) []byte {
	st := ledgerState{}
	enc, _ := st.marshalState()
	return append(b, enc[len(enc)-4:]...) // any 4 bytes: the version is checked first
}

func FuzzLedgerDecode(f *testing.F) {
	var st ledgerState
	st.add(use("groq", "default", "llama", t0, 3))
	st.add(use("groq", "default", "llama", t0.Add(time.Hour), 5))
	good, _ := st.marshalState()
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		var st ledgerState
		if st.unmarshalState(data) != nil {
			return
		}
		again, err := st.marshalState()
		if err != nil || !bytes.Equal(again, data) {
			t.Errorf("a file that decodes does not encode back to itself")
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
