package shared

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

func TestGCRAIsSharedAndRunsOnRedissClock(t *testing.T) {
	m := newMini(t)
	ctx := context.Background()
	l := Limit{Rate: 60, Period: time.Minute, Burst: 5}
	// Four machines at once: together no more than the burst now.
	var fleets []*Fleet
	for _, h := range []string{"a", "b", "c", "d"} {
		fleets = append(fleets, open(t, "redis://"+m.Addr(), h, Required, nil))
	}
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if yes, _, err := fleets[i%4].Allow(ctx, "groq/k/m/requests/minute", l, 1); err != nil {
				t.Error(err)
			} else if yes {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 5 {
		t.Fatalf("%d allowed at once, want the burst, 5", ok.Load())
	}
	yes, wait, _ := fleets[0].Allow(ctx, "groq/k/m/requests/minute", l, 1)
	if yes || wait <= 0 || wait > time.Second {
		t.Fatalf("over the burst: ok %v, wait %v; want about 1s (60/min)", yes, wait)
	}
	m.SetTime(t0.Add(time.Second)) // Redis's clock, not ours
	if yes, _, _ := fleets[1].Allow(ctx, "groq/k/m/requests/minute", l, 1); !yes {
		t.Error("one emission interval later: not allowed")
	}
	if yes, _, _ := fleets[2].Allow(ctx, "groq/k/m/requests/minute", l, 1); yes {
		t.Error("a second one in the same interval was allowed")
	}
}

func TestPacedNeverOverfillsAWindow(t *testing.T) {
	for _, limit := range []int64{1, 10, 60, 1000} {
		l := paced(limit, time.Minute)
		if l.Burst+l.Rate-1 > limit || l.Rate < 1 || l.Burst < 1 {
			t.Errorf("limit %d: %+v lets more than the limit into a window", limit, l)
		}
		if limit >= 20 && float64(l.Rate)/float64(limit) < 0.9 {
			t.Errorf("limit %d: %+v uses under 90 %%", limit, l)
		}
	}
}

func TestBeforePacesByTheWindowsSeen(t *testing.T) {
	m := newMini(t)
	ctx := context.Background()
	a := open(t, "redis://"+m.Addr(), "a", Required, nil)
	b := open(t, "redis://"+m.Addr(), "b", Required, nil)
	// A 3-second "minute" of 60: seen with 3 s to go, then 1 s.
	s := snap(59, t0)
	reset := t0.Add(3 * time.Second)
	s.Windows[0].ResetAt = &reset
	a.After(ctx, "groq", "id", "", "llama", &quotaOK, &s, 0)
	s2 := snap(50, t0.Add(2*time.Second))
	s2.Windows[0].ResetAt = &reset
	b.After(ctx, "groq", "id", "", "llama", &quotaOK, &s2, 0)
	limits, err := b.limits(ctx, "groq", "id", "llama")
	if err != nil || limits["requests/minute"].limit != paced(60, 3*time.Second) {
		t.Fatalf("limits %v, %v; want the 3 s window's", limits, err)
	}
	sent := 0
	for range 20 {
		if _, w, _, _ := []*Fleet{a, b}[sent%2].Before(ctx, "groq", "id", "llama", 1); w == 0 {
			sent++
		}
	}
	if sent != 3 { // the burst
		t.Errorf("%d sent at once, want the burst of 3", sent)
	}
}

// A token window is paced at each call's pre-estimate, corrected once it
// lands: a call that used nothing (refused) gives its tokens back, one
// whose usage is unknown keeps them; a call denied by one window gives
// back what the others took.
func TestTokenWindowTakesTheEstimateAndLandsTheUse(t *testing.T) {
	m := newMini(t)
	ctx := context.Background()
	a := open(t, "redis://"+m.Addr(), "a", Required, nil)
	reset := t0.Add(time.Minute)
	s := quota.Snapshot{Provider: "groq", Key: "default", Model: "llama", ObservedAt: t0, Windows: []quota.Window{
		{Metric: quota.Tokens, Period: "minute", Limit: i64(600), Remaining: i64(600), ResetAt: &reset, Source: "header"}}}
	a.After(ctx, "groq", "id", "", "llama", &quotaOK, &s, 0)
	before := func(tokens int64) (*Ticket, time.Duration) {
		t.Helper()
		tk, w, _, err := a.Before(ctx, "groq", "id", "llama", tokens)
		if err != nil {
			t.Fatal(err)
		}
		return tk, w
	}
	// The burst is 30 tokens: a call of 100 goes when the limiter is idle.
	tk, w := before(100)
	if tk == nil || w != 0 {
		t.Fatalf("first call: ticket %v, wait %v", tk, w)
	}
	if _, w := before(100); w <= 0 {
		t.Fatal("a second call of 100 went at once: the estimate was not taken")
	}
	tk.Land(ctx, 0) // refused before any work
	tk, w = before(100)
	if tk == nil || w != 0 {
		t.Fatalf("after the first landed using nothing: wait %v, want none", w)
	}
	tk.Land(ctx, Unknown)
	if _, w := before(100); w <= 0 {
		t.Fatal("a call of unknown usage gave its estimate back")
	}
	if v, _ := m.Get("tier:inflight:groq/id/llama/tokens/minute"); v != "0" {
		t.Errorf("in flight %q after every call landed, want 0", v)
	}
	if v := m.HGet("tier:left:groq/id/llama/tokens/minute", "left"); v != "500" {
		t.Errorf("left %q of the window as last read, want 500 (600, less the 100 the call of unknown usage kept)", v)
	}
}
