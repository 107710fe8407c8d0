package models

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// fakeFetch answers for each provider by name and counts the calls.
type fakeFetch struct {
	calls atomic.Int64
	by    map[string]func(ctx context.Context) ([]openai.Model, *quota.Result, error)
}

func (f *fakeFetch) fetch(ctx context.Context, p *catalog.Profile) ([]openai.Model, *quota.Result, error) {
	f.calls.Add(1)
	return f.by[p.Name](ctx)
}

func listOf(ids ...string) func(context.Context) ([]openai.Model, *quota.Result, error) {
	return func(context.Context) ([]openai.Model, *quota.Result, error) {
		var out []openai.Model
		for _, id := range ids {
			out = append(out, openai.Model{ID: id, OwnedBy: "owner", CreatedAt: 1763683200})
		}
		return out, &quota.Result{Class: quota.ClassOK, Snapshot: quota.Snapshot{ObservedAt: t0, Windows: []quota.Window{}}}, nil
	}
}

func entryIDs(r Result) []string {
	var out []string
	for _, e := range r.Entries {
		out = append(out, e.ID)
	}
	return out
}

func TestListCache(t *testing.T) {
	p := &catalog.Profile{Name: "fake", Models: []catalog.Model{{ID: "m1"}}}
	cases := []struct {
		name      string
		cachedAt  time.Time // zero: nothing cached
		maxAge    time.Duration
		refresh   bool
		fail      bool
		wantFetch bool
		wantIDs   []string
		wantCache bool
		wantErr   bool
	}{
		{"nothing cached: fetched", time.Time{}, 24 * time.Hour, false, false, true, []string{"live-1", "m1"}, false, false},
		{"fresh cache: not fetched", t0.Add(-3 * time.Hour), 24 * time.Hour, false, false, false, []string{"cached-1", "m1"}, true, false},
		{"stale cache: fetched", t0.Add(-25 * time.Hour), 24 * time.Hour, false, false, true, []string{"live-1", "m1"}, false, false},
		{"--refresh: fetched though fresh", t0.Add(-time.Minute), 24 * time.Hour, true, false, true, []string{"live-1", "m1"}, false, false},
		{"max age 0: always fetched", t0.Add(-time.Second), 0, false, false, true, []string{"live-1", "m1"}, false, false},
		{"a cache from the future is not trusted", t0.Add(time.Hour), 24 * time.Hour, false, false, true, []string{"live-1", "m1"}, false, false},
		{"fetch fails over a stale cache: the cache is shown with the error", t0.Add(-48 * time.Hour), 24 * time.Hour, false, true, true, []string{"cached-1", "m1"}, true, true},
		{"fetch fails with nothing cached: no entries", time.Time{}, 24 * time.Hour, false, true, true, nil, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := store.Open(t.TempDir())
			if !c.cachedAt.IsZero() {
				mustSaveModels(t, st, "fake", c.cachedAt, "cached-1")
			}
			f := &fakeFetch{by: map[string]func(context.Context) ([]openai.Model, *quota.Result, error){"fake": listOf("live-1")}}
			if c.fail {
				f.by["fake"] = func(context.Context) ([]openai.Model, *quota.Result, error) {
					return nil, nil, errors.New("fake: down")
				}
			}
			r := List(context.Background(), []*catalog.Profile{p}, Options{Store: st, Fetch: f.fetch, MaxAge: c.maxAge, Refresh: c.refresh, Now: func() time.Time { return t0 }})[0]
			if got := f.calls.Load() == 1; got != c.wantFetch {
				t.Errorf("fetched=%v, want %v", got, c.wantFetch)
			}
			if got := entryIDs(r); !reflect.DeepEqual(got, c.wantIDs) {
				t.Errorf("entries %v, want %v", got, c.wantIDs)
			}
			if r.Cached != c.wantCache || (r.Err != nil) != c.wantErr {
				t.Errorf("cached=%v err=%v, want cached=%v err=%v", r.Cached, r.Err, c.wantCache, c.wantErr)
			}
			if len(r.Entries) > 0 && r.FetchedAt.IsZero() {
				t.Error("FetchedAt is zero though a list is shown")
			}
			if c.wantFetch && !c.fail {
				cached, at, ok, err := st.Models("fake")
				if err != nil || !ok || !at.Equal(t0) || len(cached) != 1 || cached[0].ID != "live-1" || cached[0].OwnedBy != "owner" {
					t.Errorf("cache after fetch: %+v at %v ok=%v err=%v, want live-1 at %v", cached, at, ok, err, t0)
				}
			}
		})
	}
}

func mustSaveModels(t *testing.T, st *store.Store, provider string, at time.Time, ids ...string) {
	t.Helper()
	var ms []store.CachedModel
	for _, id := range ids {
		ms = append(ms, store.CachedModel{ID: id})
	}
	if err := st.SaveModels(provider, ms, at); err != nil {
		t.Fatal(err)
	}
}

func TestListConcurrentWithTimeout(t *testing.T) {
	profiles := []*catalog.Profile{{Name: "slow"}, {Name: "good"}, {Name: "failing"}, {Name: "stuck"}}
	release := make(chan struct{})
	defer close(release)
	f := &fakeFetch{by: map[string]func(context.Context) ([]openai.Model, *quota.Result, error){
		// Honours its context, like an HTTP request.
		"slow": func(ctx context.Context) ([]openai.Model, *quota.Result, error) {
			<-ctx.Done()
			return nil, nil, ctx.Err()
		},
		"good": listOf("g1", "g2"),
		"failing": func(context.Context) ([]openai.Model, *quota.Result, error) {
			return nil, nil, errors.New("failing: HTTP 500")
		},
		// Ignores its context (a hung key command, say): List stops waiting anyway.
		"stuck": func(context.Context) ([]openai.Model, *quota.Result, error) {
			<-release
			return nil, nil, errors.New("released")
		},
	}}
	timeout := 200 * time.Millisecond
	start := time.Now()
	done := make(chan []Result, 1)
	go func() {
		done <- List(context.Background(), profiles, Options{Store: store.Open(t.TempDir()), Fetch: f.fetch, Timeout: timeout, MaxAge: time.Hour})
	}()
	var rs []Result
	select {
	case rs = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("List still waits for a provider past its timeout")
	}
	elapsed := time.Since(start)

	if elapsed > 10*timeout {
		t.Errorf("took %v: the providers were not fetched at once within their %v timeout", elapsed, timeout)
	}
	for i, want := range []string{"slow", "good", "failing", "stuck"} {
		if rs[i].Provider != want {
			t.Errorf("result %d is %q, want %q (the order asked)", i, rs[i].Provider, want)
		}
	}
	for _, i := range []int{0, 3} {
		var te *TimeoutError
		if !errors.As(rs[i].Err, &te) || te.After != timeout || !strings.Contains(te.Error(), rs[i].Provider) {
			t.Errorf("%s: err %v, want a timeout naming it", rs[i].Provider, rs[i].Err)
		}
	}
	if rs[1].Err != nil || !reflect.DeepEqual(entryIDs(rs[1]), []string{"g1", "g2"}) {
		t.Errorf("good: %v %v, want g1 g2: a failing provider must not hide the others", rs[1].Err, entryIDs(rs[1]))
	}
	if rs[2].Err == nil || rs[2].Err.Error() != "failing: HTTP 500" || rs[2].Entries != nil {
		t.Errorf("failing: err %v entries %v, want its own error and no entries", rs[2].Err, rs[2].Entries)
	}
}

func TestListCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeFetch{by: map[string]func(context.Context) ([]openai.Model, *quota.Result, error){
		"fake": func(ctx context.Context) ([]openai.Model, *quota.Result, error) {
			cancel()
			<-ctx.Done()
			return nil, nil, ctx.Err()
		},
	}}
	r := List(ctx, []*catalog.Profile{{Name: "fake"}}, Options{Store: store.Open(t.TempDir()), Fetch: f.fetch, Timeout: time.Minute})[0]
	if !errors.Is(r.Err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled (an interrupt is not a timeout)", r.Err)
	}
}

func TestListSavesSnapshotOfModelsResponse(t *testing.T) {
	win := quota.Window{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: i64(60), Remaining: i64(59), Source: quota.SourceHeader}
	cases := []struct {
		name    string
		windows []quota.Window
		want    bool
	}{
		{"headers with windows: saved as the provider's snapshot", []quota.Window{win}, true},
		{"no rate-limit headers: nothing saved", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := store.Open(t.TempDir())
			f := &fakeFetch{by: map[string]func(context.Context) ([]openai.Model, *quota.Result, error){
				"fake": func(context.Context) ([]openai.Model, *quota.Result, error) {
					return []openai.Model{{ID: "m"}}, &quota.Result{Class: quota.ClassOK,
						Snapshot: quota.Snapshot{Provider: "fake", Key: "ignored", ObservedAt: t0, Windows: c.windows}}, nil
				},
			}}
			List(context.Background(), []*catalog.Profile{{Name: "fake"}}, Options{Store: st, Fetch: f.fetch, Key: "work", Now: func() time.Time { return t0 }})
			snap, ok, err := st.Snapshot("fake", "work", "")
			if err != nil || ok != c.want {
				t.Fatalf("snapshot fake/work/\"\": ok=%v err=%v, want ok=%v", ok, err, c.want)
			}
			if ok && (len(snap.Windows) != 1 || *snap.Windows[0].Remaining != 59) {
				t.Errorf("saved %+v, want the response's window", snap)
			}
			all, _ := st.Snapshots()
			if len(all) != map[bool]int{true: 1, false: 0}[c.want] {
				t.Errorf("%d snapshots stored, want only the provider's (model \"\", key from Options)", len(all))
			}
		})
	}
}

func TestListAttachesModelQuota(t *testing.T) {
	st := store.Open(t.TempDir())
	for _, s := range []quota.Snapshot{
		{Provider: "fake", Key: "default", Model: "m1", ObservedAt: t0, Windows: []quota.Window{{Metric: quota.Requests, Period: quota.PeriodDay, Remaining: i64(7), Source: quota.SourceHeader}}},
		{Provider: "fake", Key: "other", Model: "m2", ObservedAt: t0, Windows: []quota.Window{}},
		{Provider: "else", Key: "default", Model: "m2", ObservedAt: t0, Windows: []quota.Window{}},
	} {
		if err := st.SaveSnapshot(s); err != nil {
			t.Fatal(err)
		}
	}
	f := &fakeFetch{by: map[string]func(context.Context) ([]openai.Model, *quota.Result, error){"fake": listOf("m1", "m2")}}
	r := List(context.Background(), []*catalog.Profile{{Name: "fake"}}, Options{Store: st, Fetch: f.fetch})[0]
	if len(r.Entries) != 2 {
		t.Fatalf("entries %v", entryIDs(r))
	}
	if q := r.Entries[0].Quota; q == nil || q.Model != "m1" || *q.Windows[0].Remaining != 7 {
		t.Errorf("m1 quota %+v, want its stored snapshot", q)
	}
	if q := r.Entries[1].Quota; q != nil {
		t.Errorf("m2 quota %+v, want none: the snapshots are another key's and another provider's", q)
	}
}
