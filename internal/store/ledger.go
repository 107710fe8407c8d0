package store

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"
)

const ledgerFile = "ledger"

// Retention of the usage ledger. Entries older than these, relative to the
// usage being recorded, are pruned on every write, so the file stays bounded
// however many calls are made: at most 2881 minute buckets (48 h and the
// current minute) and 62 day buckets per provider/key/model.
const (
	MinuteRetention = 48 * time.Hour
	DayRetention    = 62 // days, today (UTC) included
)

// Usage is what one call (or a batch of calls) used.
type Usage struct {
	Provider, Key, Model string // Key is a key's name or fingerprint, never the secret
	At                   time.Time
	Requests             int64
	PromptTokens         int64
	CompletionTokens     int64
}

// bucket is one ledger entry: start, requests, prompt tokens, completion
// tokens, where start is a Unix minute (minute buckets) or a Unix day (day
// buckets, UTC).
type bucket [4]int64

type ledgerSeries struct {
	Provider, Key, Model string
	Minutes              []bucket // ascending start, no duplicates
	Days                 []bucket // ascending start, no duplicates
}

// ledgerState is the usage ledger; its file format is in ledger_codec.go.
type ledgerState struct {
	Series []ledgerSeries // sorted by provider, key, model; no duplicates
}

const (
	secondsPerMinute = 60
	secondsPerDay    = 86400
)

func unixMinute(t time.Time) int64 { return floorDiv(t.Unix(), secondsPerMinute) }
func unixDay(t time.Time) int64    { return floorDiv(t.Unix(), secondsPerDay) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// RecordUsage adds u to its minute and day buckets and prunes what has
// fallen out of the retention windows (relative to u.At; a zero At means
// now). A usage of nothing at all writes nothing.
func (s *Store) RecordUsage(u Usage) error {
	if err := checkUsage(u); err != nil {
		return err
	}
	if u.Requests == 0 && u.PromptTokens == 0 && u.CompletionTokens == 0 {
		return nil
	}
	if u.At.IsZero() {
		u.At = time.Now()
	}
	err := Update(s, ledgerFile, func(st *ledgerState) error {
		st.add(u)
		return nil
	})
	forgetLedger(filePath[ledgerState](s, ledgerFile))
	return err
}

func checkUsage(u Usage) error {
	if u.Provider == "" {
		return errors.New("cannot record usage without a provider: this is a bug in tier, please report it")
	}
	if u.Requests < 0 || u.PromptTokens < 0 || u.CompletionTokens < 0 {
		return fmt.Errorf("cannot record negative usage for %s: this is a bug in tier, please report it", u.Provider)
	}
	return nil
}

func (st *ledgerState) add(u Usage) {
	id := ledgerSeries{Provider: u.Provider, Key: u.Key, Model: u.Model}
	i, found := slices.BinarySearchFunc(st.Series, id, compareSeriesID)
	if !found {
		st.Series = slices.Insert(st.Series, i, id)
	}
	ser := &st.Series[i]
	delta := bucket{0, u.Requests, u.PromptTokens, u.CompletionTokens}
	ser.Minutes = addBucket(ser.Minutes, unixMinute(u.At), delta)
	ser.Days = addBucket(ser.Days, unixDay(u.At), delta)

	minMinute := unixMinute(u.At) - int64(MinuteRetention/time.Minute)
	minDay := unixDay(u.At) - (DayRetention - 1)
	for i := range st.Series {
		st.Series[i].Minutes = pruneBuckets(st.Series[i].Minutes, minMinute)
		st.Series[i].Days = pruneBuckets(st.Series[i].Days, minDay)
	}
	st.Series = slices.DeleteFunc(st.Series, func(ser ledgerSeries) bool {
		return len(ser.Minutes) == 0 && len(ser.Days) == 0
	})
}

func compareSeriesID(a, b ledgerSeries) int {
	return cmp.Or(cmp.Compare(a.Provider, b.Provider), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Model, b.Model))
}

// addBucket adds delta to the bucket starting at start, creating it in order
// if needed. Calls arrive in time order almost always, so the last bucket is
// tried first.
func addBucket(bs []bucket, start int64, delta bucket) []bucket {
	n := len(bs)
	if n > 0 && bs[n-1][0] == start {
		bs[n-1].add(delta)
		return bs
	}
	if n == 0 || bs[n-1][0] < start {
		delta[0] = start
		return append(bs, delta)
	}
	i, found := slices.BinarySearchFunc(bs, start, func(b bucket, t int64) int { return cmp.Compare(b[0], t) })
	if found {
		bs[i].add(delta)
		return bs
	}
	delta[0] = start
	return slices.Insert(bs, i, delta)
}

func (b *bucket) add(d bucket) {
	b[1] += d[1]
	b[2] += d[2]
	b[3] += d[3]
}

// pruneBuckets drops buckets that start before min.
func pruneBuckets(bs []bucket, min int64) []bucket {
	i, _ := slices.BinarySearchFunc(bs, min, func(b bucket, t int64) int { return cmp.Compare(b[0], t) })
	if i == 0 {
		return bs
	}
	return slices.Delete(bs, 0, i)
}

// UsageSince returns the requests and tokens (prompt + completion) recorded
// for provider/key/model from since to now; model "" adds up all models of
// that provider and key. When since is at most 48 hours before now it uses
// minute buckets, otherwise day (UTC) totals, which go back 62 days; usage
// older than that is not kept.
//
// A bucket straddling since (or now) counts whole, so the figure may
// over-count by up to one minute's (or one day's) usage: an estimate of
// what is left errs on the safe side.
func (s *Store) UsageSince(provider, key, model string, since, now time.Time) (requests, tokens int64, err error) {
	st, err := s.readLedger()
	if err != nil {
		return 0, 0, err
	}
	return st.usageSince(provider, key, model, since, now)
}

func (st *ledgerState) usageSince(provider, key, model string, since, now time.Time) (requests, tokens int64, err error) {
	t := st.sum(provider, key, model, since, now)
	return t[1], t[2] + t[3], nil
}

// sum adds up the buckets from since to now: requests, prompt and
// completion tokens in t[1], t[2], t[3].
func (st *ledgerState) sum(provider, key, model string, since, now time.Time) (t bucket) {
	if now.Before(since) {
		return t
	}
	useMinutes := now.Sub(since) <= MinuteRetention
	from, to := unixDay(since), unixDay(now)
	if useMinutes {
		from, to = unixMinute(since), unixMinute(now)
	}
	id := ledgerSeries{Provider: provider, Key: key, Model: model}
	i, _ := slices.BinarySearchFunc(st.Series, id, compareSeriesID)
	for ; i < len(st.Series); i++ {
		ser := &st.Series[i]
		if ser.Provider != provider || ser.Key != key || (model != "" && ser.Model != model) {
			break
		}
		bs := ser.Days
		if useMinutes {
			bs = ser.Minutes
		}
		j, _ := slices.BinarySearchFunc(bs, from, func(b bucket, t int64) int { return cmp.Compare(b[0], t) })
		for ; j < len(bs) && bs[j][0] <= to; j++ {
			t[1] += bs[j][1]
			t[2] += bs[j][2]
			t[3] += bs[j][3]
		}
	}
	return t
}

// The decoded ledger is kept for the life of the process, keyed by path and
// checked against the file's identity, size and modification time on every
// read: `tier quota` asks for many provider/key/model sums and must decode
// the file once. Writes made by this process drop the cached copy; a copy
// can miss only a write by another process in the same file-system clock
// tick that left the same size in a reused inode, i.e. it is at most that
// tick old.
var ledgerCache struct {
	sync.Mutex
	entries map[string]cachedLedger
}

type cachedLedger struct {
	info os.FileInfo
	st   *ledgerState
}

func forgetLedger(path string) {
	ledgerCache.Lock()
	delete(ledgerCache.entries, path)
	ledgerCache.Unlock()
}

func (s *Store) readLedger() (*ledgerState, error) {
	path := filePath[ledgerState](s, ledgerFile)
	info, statErr := os.Stat(path)
	ledgerCache.Lock()
	c, ok := ledgerCache.entries[path]
	ledgerCache.Unlock()
	if ok && statErr == nil && os.SameFile(c.info, info) && c.info.Size() == info.Size() && c.info.ModTime().Equal(info.ModTime()) {
		return c.st, nil
	}
	st, err := Read[ledgerState](s, ledgerFile)
	if err != nil {
		return nil, err
	}
	if statErr == nil {
		// info was taken before the read: if the file changed in between,
		// the next read sees a different identity and decodes again.
		ledgerCache.Lock()
		if ledgerCache.entries == nil {
			ledgerCache.entries = map[string]cachedLedger{}
		}
		ledgerCache.entries[path] = cachedLedger{info: info, st: &st}
		ledgerCache.Unlock()
	}
	return &st, nil
}
