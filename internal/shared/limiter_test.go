package shared

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
