package batch

import (
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// TestReadingsOfOneMomentOutOfOrder: two replies seen in the same second
// come back in either order; the one that counted more calls wins, so a
// late reply cannot hand back requests already spent (a reserve was once
// crossed by one row this way).
func TestReadingsOfOneMomentOutOfOrder(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	reset := at.Add(12 * time.Hour)
	reading := func(remaining int64, resetAt time.Time) *quota.Snapshot {
		return &quota.Snapshot{ObservedAt: at, Windows: []quota.Window{{Metric: quota.Requests, Period: quota.PeriodDay,
			Limit: ptr(int64(45)), Remaining: &remaining, ResetAt: &resetAt, Source: quota.SourceHeader}}}
	}
	tests := []struct {
		name   string
		second *quota.Snapshot
		want   int64
	}{
		{"a later reply with more left is the earlier one", reading(21, reset), 20},
		{"one with less left wins", reading(19, reset), 19},
		{"a new window (a later reset) is taken", reading(44, reset.Add(24*time.Hour)), 44},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPacer("t", nil, nil, time.Minute, 4)
			p.inflight = 2
			p.returned(0, 0, reading(20, reset), at)
			p.returned(0, 0, tt.second, at)
			if got := p.window(quota.Requests, quota.PeriodDay).remaining; got != tt.want {
				t.Errorf("remaining = %d, want %d", got, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestResetReadToTheSecond: a reading's reset comes rounded up to the
// whole second (quota.Parse), up to a second after its window really
// turns over: a third of a 3-second test minute. A fixed window that
// counted a call ends at most one length after the call came back, so a
// window's first reading pins its end to within that call's latency, and
// a window used up waits for that end, not for the rounded one.
func TestResetReadToTheSecond(t *testing.T) {
	const latency = 2 * time.Millisecond
	// The server's windows open on its first call, 0.1 s past a second.
	open := time.Date(2026, 12, 3, 12, 0, 0, 100e6, time.UTC)
	tests := []struct {
		name   string
		length time.Duration
		// calls per window, each window's first call sent this long
		// after the window opened
		calls []int
		late  time.Duration
	}{
		{"one window used up", 3 * time.Second, []int{20}, 0},
		{"the next window opened late", 3 * time.Second, []int{20, 20}, 300 * time.Millisecond},
		{"a 1-second minute: rounding spans windows", time.Second, []int{5, 5, 5}, 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPacer("t", []Limit{{quota.Requests, quota.PeriodMinute, 20}}, nil, tt.length, 4)
			var at, first time.Time
			for k, n := range tt.calls {
				opened := open.Add(time.Duration(k) * tt.length)
				trueReset := opened.Add(tt.length)
				at = opened
				if k > 0 {
					at = at.Add(tt.late)
				}
				first = at
				for i := 0; i < n; i++ {
					back := at.Add(latency)
					remaining, reset := int64(n-1-i), ceilSecond(trueReset) // the last call uses the window up
					p.sent(at, 1)
					p.returned(1, latency, &quota.Snapshot{ObservedAt: ceilSecond(back), Windows: []quota.Window{{
						Metric: quota.Requests, Period: quota.PeriodMinute, Limit: ptr(int64(20)),
						Remaining: &remaining, ResetAt: &reset, Source: quota.SourceHeader}}}, at)
					at = at.Add(tt.length / 21)
				}
				w := p.window(quota.Requests, quota.PeriodMinute)
				if w.resetAt.Before(trueReset) {
					t.Fatalf("window %d: reset taken at %s, before the true one %s: 429s would follow", k, w.resetAt.Format("15:04:05.000"), trueReset.Format("15:04:05.000"))
				}
			}
			trueReset := open.Add(time.Duration(len(tt.calls)) * tt.length)
			got := p.readyAt(at, 1)
			if got.Before(trueReset) {
				t.Errorf("ready at %s, before the window turns over at %s", got.Format("15:04:05.000"), trueReset.Format("15:04:05.000"))
			}
			if want := first.Add(latency + tt.length + margin); tt.length > 2*time.Second && got.After(want) {
				t.Errorf("ready at %s, want by %s (the window's first reply + its length), not the rounded reset %s",
					got.Format("15:04:05.000"), want.Format("15:04:05.000"), ceilSecond(trueReset).Format("15:04:05.000"))
			}
		})
	}
}

// simProvider is a provider in virtual time for pacerSim: it admits a
// call seen at s or refuses it, and says what is left and when it is full
// again (exact: the reading rounds it).
type simProvider interface {
	admit(s time.Time) (ok bool, remaining int64, full time.Time)
}

// fixedWindows counts limit calls per window of length, windows opening
// at open + k·length.
type fixedWindows struct {
	open   time.Time
	length time.Duration
	limit  int64
	k      int64
	used   int64
}

func (f *fixedWindows) admit(s time.Time) (bool, int64, time.Time) {
	if k := int64(s.Sub(f.open) / f.length); k != f.k {
		f.k, f.used = k, 0
	}
	end := f.open.Add(time.Duration(f.k+1) * f.length)
	if f.used >= f.limit {
		return false, 0, end
	}
	f.used++
	return true, f.limit - f.used, end
}

// bucket is a token bucket of limit tokens refilled over length: its
// reset is the time to full, which moves on with every call.
type bucket struct {
	length time.Duration
	limit  float64
	tokens float64
	at     time.Time
}

func (b *bucket) admit(s time.Time) (bool, int64, time.Time) {
	if b.at.IsZero() {
		b.tokens = b.limit
	}
	if !b.at.IsZero() {
		b.tokens = min(b.limit, b.tokens+s.Sub(b.at).Seconds()*b.limit/b.length.Seconds())
	}
	b.at = s
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	full := s.Add(time.Duration((b.limit - b.tokens) / b.limit * float64(b.length)))
	return ok, int64(b.tokens), full
}

// pacerSim sends n calls one at a time through a pacer of limit requests
// per minute of length to prov, each seen latency/2 after it is sent and
// back after latency, its reading rounded as quota.Parse rounds it; it
// returns the rate reached as a share of the limit's and the 429s.
func pacerSim(prov simProvider, start time.Time, length time.Duration, limit int64, n int) (share float64, rejected int) {
	const latency = 4 * time.Millisecond
	p := newPacer("t", []Limit{{quota.Requests, quota.PeriodMinute, limit}}, nil, length, 4)
	now := start
	for sent := 0; sent < n; {
		now = maxTime(now, p.readyAt(now, 1))
		at := now
		p.sent(at, 1)
		ok, remaining, full := prov.admit(at.Add(latency / 2))
		now = at.Add(latency)
		reset := ceilSecond(full.Add(latency / 2)) // the reset, relative, read on arrival
		p.returned(1, latency, &quota.Snapshot{ObservedAt: ceilSecond(now), Windows: []quota.Window{{
			Metric: quota.Requests, Period: quota.PeriodMinute, Limit: &limit,
			Remaining: &remaining, ResetAt: &reset, Source: quota.SourceHeader}}}, at)
		if !ok {
			rejected++
			p.rateLimited(now, full.Sub(now), rejected)
			continue
		}
		sent++
	}
	return float64(n) / now.Sub(start).Seconds() / (float64(limit) / length.Seconds()), rejected
}

// TestPacedInVirtualTime: 100 calls at 20 a 3-second minute, starting at
// every tenth of a second: against fixed windows the rate stays near the
// limit whatever the rounding of resets costs (up to a second a window
// just past a whole second); against a token bucket, whose reset moves on
// with every call, a window's first reply bounds nothing and no call is
// refused.
func TestPacedInVirtualTime(t *testing.T) {
	const length, limit = 3 * time.Second, 20
	for _, tt := range []struct {
		name     string
		prov     func(start time.Time) simProvider
		minShare float64
	}{
		{"fixed windows", func(start time.Time) simProvider {
			return &fixedWindows{open: start.Add(2 * time.Millisecond), length: length, limit: limit}
		}, 0.95},
		{"a token bucket", func(time.Time) simProvider { return &bucket{length: length, limit: limit} }, 0.5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for phase := time.Duration(0); phase < time.Second; phase += 100 * time.Millisecond {
				start := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC).Add(phase)
				share, rejected := pacerSim(tt.prov(start), start, length, limit, 100)
				if rejected != 0 || share < tt.minShare {
					t.Errorf("starting %s past a second: %.1f%% of the limit's rate, %d 429s; want at least %.0f%%, none",
						phase, 100*share, rejected, 100*tt.minShare)
				}
			}
		})
	}
}

func ceilSecond(t time.Time) time.Time {
	if s := t.Truncate(time.Second); s.Before(t) {
		return s.Add(time.Second)
	}
	return t
}

// A pacer starts from the store's snapshot: windows not reset yet, a
// 429's hint still running, limits an error named earlier (learned).
func TestSeedFromTheStore(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	ra := 20.0
	s := quota.Snapshot{ObservedAt: now.Add(-5 * time.Second), RetryAfterS: &ra, Windows: []quota.Window{
		{Metric: quota.Requests, Period: quota.PeriodDay, Limit: ptr(int64(100)), Remaining: ptr(int64(0)), ResetAt: ptr(now.Add(3 * time.Hour)), Source: quota.SourceHeader},
		// Reset since: not a reading any more.
		{Metric: quota.Tokens, Period: quota.PeriodMinute, Limit: ptr(int64(6000)), Remaining: ptr(int64(0)), ResetAt: ptr(now.Add(-time.Second)), Source: quota.SourceHeader},
		// Gemini's QuotaFailure named 15 a minute once.
		{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: ptr(int64(15)), Source: quota.SourceLearned},
	}}
	p := newPacer("g/*/m", []Limit{{quota.Requests, quota.PeriodMinute, 30}}, nil, time.Minute, 32)
	p.seed(s, now)
	if d := p.windows["requests/day"]; d == nil || !d.read || d.remaining != 0 || !d.resetAt.Equal(now.Add(3*time.Hour)) {
		t.Errorf("the day used up until its reset is not the pacer's reading: %+v", d)
	}
	if m := p.windows["tokens/minute"]; m != nil && m.read {
		t.Errorf("a window that has reset since was taken as read: %+v", m)
	}
	if m := p.windows["requests/minute"]; m == nil || m.limit != 15 || m.read {
		t.Errorf("the learned limit does not pace the minute (want 15, over the catalog's 30): %+v", m)
	}
	if want := now.Add(15*time.Second + margin); !p.pausedUntil.Equal(want) {
		t.Errorf("paused until %v, want the 429's hint %v", p.pausedUntil, want)
	}
	if at := p.readyAt(now, 10); !at.After(now.Add(time.Hour)) {
		t.Errorf("ready at %v: want the day's reset", at)
	}
}
