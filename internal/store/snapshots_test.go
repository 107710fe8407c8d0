package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func snap(at time.Time, ws ...quota.Window) quota.Snapshot {
	return quota.Snapshot{Provider: "groq", Key: "default", Model: "llama-3.1-8b-instant", ObservedAt: at, Windows: ws}
}

func with(s quota.Snapshot, edit func(*quota.Snapshot)) quota.Snapshot {
	edit(&s)
	return s
}

// errorWindow is what a 429 body gives: a figure with no reset time.
func errorWindow(metric, period string, remaining int64) quota.Window {
	return quota.Window{Metric: metric, Period: period, Remaining: i64(remaining), Source: quota.SourceError}
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSaveSnapshotMerge(t *testing.T) {
	later := t0.Add(10 * time.Second)
	reqMin := func(remaining int64, reset time.Time) quota.Window {
		return win(quota.Requests, quota.PeriodMinute, 30, remaining, reset, quota.SourceHeader)
	}
	reqDay := func(remaining int64, reset time.Time) quota.Window {
		return win(quota.Requests, quota.PeriodDay, 14400, remaining, reset, quota.SourceHeader)
	}
	tokMin := func(remaining int64, reset time.Time) quota.Window {
		return win(quota.Tokens, quota.PeriodMinute, 6000, remaining, reset, quota.SourceHeader)
	}
	cases := []struct {
		name     string
		stored   []quota.Snapshot // saved first, in order
		incoming quota.Snapshot
		want     quota.Snapshot
	}{
		{
			name:     "the first snapshot is stored as given",
			incoming: snap(t0, reqMin(29, t0.Add(time.Minute))),
			want:     snap(t0, reqMin(29, t0.Add(time.Minute))),
		},
		{
			name:     "a new window replaces the stored one with the same metric and period",
			stored:   []quota.Snapshot{snap(t0, reqMin(29, t0.Add(time.Minute)))},
			incoming: snap(later, reqMin(28, t0.Add(time.Minute))),
			want:     snap(later, reqMin(28, t0.Add(time.Minute))),
		},
		{
			name:     "windows with the same metric but another period are different windows",
			stored:   []quota.Snapshot{snap(t0, reqDay(14000, t0.Add(12*time.Hour)))},
			incoming: snap(later, reqMin(28, t0.Add(time.Minute))),
			want:     snap(later, reqMin(28, t0.Add(time.Minute)), reqDay(14000, t0.Add(12*time.Hour))),
		},
		{
			name:     "a stored window not repeated is kept while its reset is after the new observed_at",
			stored:   []quota.Snapshot{snap(t0, reqMin(29, t0.Add(time.Minute)), tokMin(5000, t0.Add(time.Minute)))},
			incoming: snap(later, reqMin(28, t0.Add(time.Minute))),
			want:     snap(later, reqMin(28, t0.Add(time.Minute)), tokMin(5000, t0.Add(time.Minute))),
		},
		{
			name:     "a stored window not repeated is dropped once its reset has passed",
			stored:   []quota.Snapshot{snap(t0, reqMin(29, t0.Add(time.Minute)), tokMin(5000, t0.Add(5*time.Second)))},
			incoming: snap(later, reqMin(28, t0.Add(time.Minute))),
			want:     snap(later, reqMin(28, t0.Add(time.Minute))),
		},
		{
			name:     "a stored window resetting exactly at the new observed_at is dropped",
			stored:   []quota.Snapshot{snap(t0, tokMin(5000, later))},
			incoming: snap(later, reqMin(28, t0.Add(time.Minute))),
			want:     snap(later, reqMin(28, t0.Add(time.Minute))),
		},
		{
			name:     "a stored error-body window without a reset is dropped by any newer snapshot",
			stored:   []quota.Snapshot{snap(t0, errorWindow(quota.Tokens, quota.PeriodDay, 0))},
			incoming: snap(later, reqMin(28, t0.Add(time.Minute))),
			want:     snap(later, reqMin(28, t0.Add(time.Minute))),
		},
		{
			name:     "a snapshot with no windows keeps the stored ones that have not reset",
			stored:   []quota.Snapshot{snap(t0, reqMin(29, t0.Add(time.Minute)), reqDay(14000, t0.Add(5*time.Second)))},
			incoming: snap(later),
			want:     snap(later, reqMin(29, t0.Add(time.Minute))),
		},
		{
			name:     "a new credit replaces the stored one",
			stored:   []quota.Snapshot{with(snap(t0), func(s *quota.Snapshot) { s.Credit = credit(10, "USD") })},
			incoming: with(snap(later), func(s *quota.Snapshot) { s.Credit = credit(9.5, "USD") }),
			want:     with(snap(later), func(s *quota.Snapshot) { s.Credit = credit(9.5, "USD") }),
		},
		{
			name:     "the stored credit is kept when the new snapshot has none",
			stored:   []quota.Snapshot{with(snap(t0), func(s *quota.Snapshot) { s.Credit = credit(10, "USD") })},
			incoming: snap(later, reqMin(28, t0.Add(time.Minute))),
			want:     with(snap(later, reqMin(28, t0.Add(time.Minute))), func(s *quota.Snapshot) { s.Credit = credit(10, "USD") }),
		},
		{
			name:     "retry_after_s is taken from the new snapshot only",
			stored:   []quota.Snapshot{with(snap(t0), func(s *quota.Snapshot) { s.RetryAfterS = f64(7) })},
			incoming: snap(later),
			want:     snap(later),
		},
		{
			name:     "retry_after_s of the new snapshot is stored",
			stored:   []quota.Snapshot{snap(t0)},
			incoming: with(snap(later), func(s *quota.Snapshot) { s.RetryAfterS = f64(2.5) }),
			want:     with(snap(later), func(s *quota.Snapshot) { s.RetryAfterS = f64(2.5) }),
		},
		{
			name: "a snapshot saved late by a slower process does not overwrite a newer one",
			stored: []quota.Snapshot{with(snap(later, reqMin(20, t0.Add(time.Minute))), func(s *quota.Snapshot) {
				s.RetryAfterS = f64(3)
			})},
			incoming: with(snap(t0, reqMin(25, t0.Add(time.Minute)), tokMin(4000, t0.Add(time.Minute)), reqDay(100, t0.Add(5*time.Second))),
				func(s *quota.Snapshot) { s.Credit = credit(10, "USD"); s.RetryAfterS = f64(9) }),
			want: with(snap(later, reqMin(20, t0.Add(time.Minute)), tokMin(4000, t0.Add(time.Minute))), func(s *quota.Snapshot) {
				s.RetryAfterS = f64(3)
				s.Credit = credit(10, "USD")
			}),
		},
		{
			name:     "times are stored in UTC",
			incoming: snap(t0.In(time.FixedZone("PDT", -7*3600)), reqMin(29, t0.Add(time.Minute).In(time.FixedZone("CEST", 2*3600)))),
			want:     snap(t0, reqMin(29, t0.Add(time.Minute))),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Open(t.TempDir())
			for _, st := range c.stored {
				if err := s.SaveSnapshot(st); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.SaveSnapshot(c.incoming); err != nil {
				t.Fatal(err)
			}
			got, ok, err := s.Snapshot(c.incoming.Provider, c.incoming.Key, c.incoming.Model)
			if err != nil || !ok {
				t.Fatalf("Snapshot: ok=%v err=%v", ok, err)
			}
			if g, w := asJSON(t, got), asJSON(t, normalizeSnapshot(c.want)); g != w {
				t.Errorf("stored snapshot\n%s\nwant\n%s", g, w)
			}
			if !got.ObservedAt.Equal(c.want.ObservedAt) || got.ObservedAt.Location() != time.UTC {
				t.Errorf("observed_at = %v, want %v in UTC", got.ObservedAt, c.want.ObservedAt)
			}
		})
	}
}

func TestSaveSnapshotDoesNotChangeCallersValue(t *testing.T) {
	s := Open(t.TempDir())
	local := time.FixedZone("PDT", -7*3600)
	in := snap(t0.In(local), win(quota.Requests, quota.PeriodMinute, 30, 29, t0.Add(time.Minute).In(local), quota.SourceHeader))
	before := asJSON(t, in)
	if err := s.SaveSnapshot(in); err != nil {
		t.Fatal(err)
	}
	if after := asJSON(t, in); after != before || in.ObservedAt.Location() != local {
		t.Errorf("SaveSnapshot changed its argument:\n%s\nwas\n%s", after, before)
	}
}

func TestSnapshotsAreKeyedAndSorted(t *testing.T) {
	s := Open(t.TempDir())
	ids := [][3]string{
		{"openrouter", "default", "b-model"},
		{"groq", "work", "m"},
		{"groq", "default", "m"},
		{"openrouter", "default", "a-model"},
		{"groq", "default", ""},
		{"cerebras", "default", "m"},
	}
	for i, id := range ids {
		sn := quota.Snapshot{Provider: id[0], Key: id[1], Model: id[2], ObservedAt: t0,
			Windows: []quota.Window{win(quota.Requests, quota.PeriodDay, 100, int64(i), t0.Add(time.Hour), quota.SourceHeader)}}
		if err := s.SaveSnapshot(sn); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Snapshots()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sn := range all {
		got = append(got, sn.Provider+"/"+sn.Key+"/"+sn.Model)
	}
	want := "cerebras/default/m groq/default/ groq/default/m groq/work/m openrouter/default/a-model openrouter/default/b-model"
	if strings.Join(got, " ") != want {
		t.Errorf("Snapshots order:\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	lookups := []struct {
		name                 string
		provider, key, model string
		wantOK               bool
		wantRemaining        int64
	}{
		{"exact provider/key/model", "groq", "work", "m", true, 1},
		{"an empty model is its own entry", "groq", "default", "", true, 4},
		{"another key of a stored provider", "groq", "other", "m", false, 0},
		{"an unknown provider", "mistral", "default", "m", false, 0},
	}
	for _, c := range lookups {
		t.Run(c.name, func(t *testing.T) {
			sn, ok, err := s.Snapshot(c.provider, c.key, c.model)
			if err != nil || ok != c.wantOK {
				t.Fatalf("Snapshot(%q, %q, %q): ok=%v err=%v, want ok=%v", c.provider, c.key, c.model, ok, err, c.wantOK)
			}
			if ok && *sn.Windows[0].Remaining != c.wantRemaining {
				t.Errorf("remaining = %d, want %d (a different entry was returned)", *sn.Windows[0].Remaining, c.wantRemaining)
			}
		})
	}
}

func TestSaveSnapshotRejectsIncompleteSnapshots(t *testing.T) {
	cases := []struct {
		name string
		snap quota.Snapshot
		want string
	}{
		{"no provider", quota.Snapshot{ObservedAt: t0}, "without a provider"},
		{"no observed_at", quota.Snapshot{Provider: "groq"}, "no observed_at"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Open(t.TempDir())
			err := s.SaveSnapshot(c.snap)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("SaveSnapshot: %v, want an error about %q", err, c.want)
			}
		})
	}
}

func TestSaveSnapshotAndUsage(t *testing.T) {
	s := Open(t.TempDir())
	sn := snap(t0, win(quota.Requests, quota.PeriodMinute, 30, 29, t0.Add(time.Minute), quota.SourceHeader))
	u := Usage{Provider: sn.Provider, Key: sn.Key, Model: sn.Model, At: t0, Requests: 1, PromptTokens: 12, CompletionTokens: 30}
	if err := s.SaveSnapshotAndUsage(sn, u); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Snapshot(sn.Provider, sn.Key, sn.Model); !ok || err != nil {
		t.Errorf("snapshot not saved: ok=%v err=%v", ok, err)
	}
	if r, tok, err := s.UsageSince(u.Provider, u.Key, u.Model, t0, t0); r != 1 || tok != 42 || err != nil {
		t.Errorf("usage = %d requests, %d tokens, %v; want 1, 42", r, tok, err)
	}
	// Both failing gives one line naming both problems.
	err := s.SaveSnapshotAndUsage(quota.Snapshot{}, Usage{Requests: 1})
	if err == nil || strings.Contains(err.Error(), "\n") || strings.Count(err.Error(), "without a provider") != 2 {
		t.Errorf("SaveSnapshotAndUsage with two bad inputs: %q, want both errors on one line", err)
	}
}
