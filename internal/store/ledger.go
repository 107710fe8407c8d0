package store

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"time"
)

const ledgerFile = "ledger"

// Retention of the usage ledger, at three resolutions. Entries older than
// these, relative to the usage being recorded, are pruned on every write, so
// the file stays bounded however many calls are made: at most 121 minute
// buckets (2 h and the current minute), 49 hour buckets (48 h and the
// current hour) and 62 day (UTC) buckets per provider/key/model.
const (
	MinuteRetention = 2 * time.Hour
	HourRetention   = 48 * time.Hour
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
// tokens, where start is a Unix minute, hour or day (UTC), depending on the
// list the bucket is in.
type bucket [4]int64

type ledgerSeries struct {
	Provider, Key, Model string
	Minutes              []bucket // ascending start, no duplicates
	Hours                []bucket // ascending start, no duplicates
	Days                 []bucket // ascending start, no duplicates
}

// ledgerState is the usage ledger; its file format is in ledger_codec.go.
type ledgerState struct {
	Series []ledgerSeries // sorted by provider, key, model; no duplicates
}

const (
	secondsPerMinute = 60
	secondsPerHour   = 3600
	secondsPerDay    = 86400
)

func unixMinute(t time.Time) int64 { return floorDiv(t.Unix(), secondsPerMinute) }
func unixHour(t time.Time) int64   { return floorDiv(t.Unix(), secondsPerHour) }
func unixDay(t time.Time) int64    { return floorDiv(t.Unix(), secondsPerDay) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// RecordUsage adds u to its minute, hour and day buckets and prunes what has
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
	ser.Hours = addBucket(ser.Hours, unixHour(u.At), delta)
	ser.Days = addBucket(ser.Days, unixDay(u.At), delta)
	st.prune(unixMinute(u.At))
}

// prune drops the buckets that have fallen out of the retention windows as
// of the minute last, and the series left empty.
func (st *ledgerState) prune(last int64) {
	minMinute := last - int64(MinuteRetention/time.Minute)
	minHour := floorDiv(last, 60) - int64(HourRetention/time.Hour)
	minDay := floorDiv(last, 24*60) - (DayRetention - 1)
	for i := range st.Series {
		ser := &st.Series[i]
		ser.Minutes = pruneBuckets(ser.Minutes, minMinute)
		ser.Hours = pruneBuckets(ser.Hours, minHour)
		ser.Days = pruneBuckets(ser.Days, minDay)
	}
	st.Series = slices.DeleteFunc(st.Series, func(ser ledgerSeries) bool {
		return len(ser.Minutes) == 0 && len(ser.Hours) == 0 && len(ser.Days) == 0
	})
}

func compareSeriesID(a, b ledgerSeries) int {
	return compareID(a.Provider, a.Key, a.Model, b.Provider, b.Key, b.Model)
}

// compareID orders provider/key/model triples.
func compareID(ap, ak, am, bp, bk, bm string) int {
	return cmp.Or(cmp.Compare(ap, bp), cmp.Compare(ak, bk), cmp.Compare(am, bm))
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

// add adds d's counts to b's, saturating at math.MaxInt64 (counts are never
// negative), so that no sum can wrap into a negative count.
func (b *bucket) add(d bucket) {
	for i := 1; i < len(b); i++ {
		if b[i] > math.MaxInt64-d[i] {
			b[i] = math.MaxInt64
		} else {
			b[i] += d[i]
		}
	}
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
// that provider and key. It uses the finest buckets that reach back to
// since: minute buckets when since is at most 2 hours before now, hour
// buckets when it is at most 48 hours before now, otherwise day (UTC)
// totals, which go back 62 days; usage older than that is not kept.
//
// A bucket straddling since (or now) counts whole, so the figure may
// over-count by up to one minute's, one hour's or one day's usage: an
// estimate of what is left errs on the safe side.
func (s *Store) UsageSince(provider, key, model string, since, now time.Time) (requests, tokens int64, err error) {
	v, err := s.readLedger()
	if err != nil {
		return 0, 0, err
	}
	t, err := v.sum(provider, key, model, since, now)
	return t[1], t[2] + t[3], err
}

// UsageSinceMatching is UsageSince summed over every series of provider
// whose key and model match says to count: the calls that share one quota
// (the keys of one account, the models one limit counts together).
func (s *Store) UsageSinceMatching(provider string, match func(key, model string) bool, since, now time.Time) (requests, tokens int64, err error) {
	v, err := s.readLedger()
	if err != nil {
		return 0, 0, err
	}
	var t bucket
	seen := map[[2]string]bool{}
	for _, ser := range v.series {
		id := [2]string{ser.Key, ser.Model}
		// A series with no model (none is written: calls name theirs)
		// would sum every model of its key: left out, not counted twice.
		if ser.Provider != provider || ser.Model == "" || seen[id] || !match(ser.Key, ser.Model) {
			continue
		}
		seen[id] = true
		one, err := v.sum(provider, ser.Key, ser.Model, since, now)
		if err != nil {
			return 0, 0, err
		}
		t.add(one)
	}
	return t[1], t[2] + t[3], nil
}

// ledgerView is the ledger file as UsageSince and TokensSince read it: its
// series, each with its lists of buckets still encoded, decoded only when
// summed. A full ledger holds hundreds of lists; `tier quota` sums a few
// dozen, and decoding them all took most of its time.
//
// The checksum and the layout of the series are checked when the file is
// read; a list is checked when it is decoded, and a damaged one (which only
// a file written wrong with a good checksum can have) makes that sum fail
// with the same ErrCorrupt error as a damaged file.
type ledgerView struct {
	path   string
	series []ledgerFileSeries
}

// sum adds up the buckets from since to now: requests, prompt and
// completion tokens in t[1], t[2], t[3].
func (v *ledgerView) sum(provider, key, model string, since, now time.Time) (t bucket, err error) {
	if now.Before(since) {
		return t, nil
	}
	span := now.Sub(since)
	list, from, to := listDays, unixDay(since), unixDay(now)
	switch {
	case span <= MinuteRetention:
		list, from, to = listMinutes, unixMinute(since), unixMinute(now)
	case span <= HourRetention:
		list, from, to = listHours, unixHour(since), unixHour(now)
	}
	i, _ := slices.BinarySearchFunc(v.series, ledgerFileSeries{Provider: provider, Key: key, Model: model}, func(a, b ledgerFileSeries) int {
		return compareID(a.Provider, a.Key, a.Model, b.Provider, b.Key, b.Model)
	})
	for ; i < len(v.series); i++ {
		ser := &v.series[i]
		if ser.Provider != provider || ser.Key != key || (model != "" && ser.Model != model) {
			break
		}
		r := newBucketReader(ser.lists[list], 0)
		for {
			b, ok := r.next()
			if !ok || b[0] > to {
				break
			}
			if b[0] >= from {
				t.add(b)
			}
		}
		if r.err != nil {
			return bucket{}, corrupt(v.path, r.err)
		}
	}
	return t, nil
}

// The ledger file is kept for the life of the process, keyed by path and
// checked against the file's identity, size and modification time on every
// read: `tier quota` asks for many provider/key/model sums and must read
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
	v    *ledgerView
}

func forgetLedger(path string) {
	ledgerCache.Lock()
	delete(ledgerCache.entries, path)
	ledgerCache.Unlock()
}

func (s *Store) readLedger() (*ledgerView, error) {
	path := filePath[ledgerState](s, ledgerFile)
	info, statErr := os.Stat(path)
	ledgerCache.Lock()
	c, ok := ledgerCache.entries[path]
	ledgerCache.Unlock()
	if ok && statErr == nil && os.SameFile(c.info, info) && c.info.Size() == info.Size() && c.info.ModTime().Equal(info.ModTime()) {
		return c.v, nil
	}
	v := &ledgerView{path: path}
	data, err := readState(path)
	if err != nil {
		return nil, err
	}
	if len(data) > 0 {
		if v.series, err = parseLedger(data); err != nil {
			return nil, decodeError(path, err)
		}
	}
	if statErr == nil {
		// info was taken before the read: if the file changed in between,
		// the next read sees a different identity and reads it again.
		ledgerCache.Lock()
		if ledgerCache.entries == nil {
			ledgerCache.entries = map[string]cachedLedger{}
		}
		ledgerCache.entries[path] = cachedLedger{info: info, v: v}
		ledgerCache.Unlock()
	}
	return v, nil
}
