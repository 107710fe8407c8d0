package batch

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

// tracer keeps a run's trace (Config.trace) and says where the time went.
type tracer struct {
	mu  sync.Mutex
	evs []traceEvent
}

func (tr *tracer) add(ev traceEvent) {
	tr.mu.Lock()
	tr.evs = append(tr.evs, ev)
	tr.mu.Unlock()
}

// waitingForReset is, per lane, the time it spent with its requests per
// minute used up (what is left, less what is in flight, is nothing),
// waiting for the window to turn over.
func (tr *tracer) waitingForReset() map[string]time.Duration {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	last := map[string]traceEvent{}
	out := map[string]time.Duration{}
	for _, ev := range tr.evs {
		if ev.Kind != "wait" {
			continue
		}
		if prev, ok := last[ev.Lane]; ok && prev.Binding == "requests per minute" && prev.Read &&
			prev.Remaining-int64(prev.InFlight) <= 0 && !prev.Until.Before(prev.ResetAt) {
			out[ev.Lane] += min(ev.At.Sub(prev.At), prev.Until.Sub(prev.At))
		}
		last[ev.Lane] = ev
	}
	return out
}

// timeline is the trace's sends and replies, one line each, for a test
// that fails.
func (tr *tracer) timeline(start time.Time) string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var b strings.Builder
	for _, ev := range tr.evs {
		if ev.Kind == "wait" {
			continue
		}
		fmt.Fprintf(&b, "%7.3fs %-4s %s in flight %d of %d", ev.At.Sub(start).Seconds(), ev.Kind, ev.Lane, ev.InFlight, ev.Concurrency)
		if ev.Kind == "back" {
			fmt.Fprintf(&b, ", %s after %s", ev.Class, ev.Latency.Round(100*time.Microsecond))
		}
		if ev.Read {
			fmt.Fprintf(&b, ", %d left, turns over in %.3fs", ev.Remaining, ev.ResetAt.Sub(ev.At).Seconds())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// turnover is how long after each of an enforcing fake's windows opened
// (its first one aside) the first request reached it, on average, and the
// fewest requests any full window took: capacity a pacer left unused.
func turnover(srv *fakeprovider.Server, minute time.Duration, end time.Time) (mean time.Duration, fewest int) {
	reqs := srv.Requests()
	if len(reqs) == 0 {
		return 0, 0
	}
	open := reqs[0].At // the fake's windows count from its first request
	first := map[int]time.Time{}
	counts := map[int]int{}
	for _, r := range reqs {
		k := int(r.At.Sub(open) / minute)
		if _, ok := first[k]; !ok {
			first[k] = r.At
		}
		counts[k]++
	}
	var ks []int
	for k := range first {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	var sum time.Duration
	n := 0
	fewest = -1
	for _, k := range ks {
		opened := open.Add(time.Duration(k) * minute)
		if k > 0 {
			sum += first[k].Sub(opened)
			n++
		}
		if full := !opened.Add(minute).After(end); full && (fewest < 0 || counts[k] < fewest) {
			fewest = counts[k]
		}
	}
	if n > 0 {
		mean = sum / time.Duration(n)
	}
	return mean, fewest
}
