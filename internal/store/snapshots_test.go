package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// seenAt is w as observed at a time of its own, older than its snapshot's.
func seenAt(w quota.Window, at time.Time) quota.Window {
	w.ObservedAt = tp(at)
	return w
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
			want:     snap(later, reqMin(28, t0.Add(time.Minute)), seenAt(reqDay(14000, t0.Add(12*time.Hour)), t0)),
		},
		{
			name:     "a stored window not repeated is kept while its reset is after the new observed_at",
			stored:   []quota.Snapshot{snap(t0, reqMin(29, t0.Add(time.Minute)), tokMin(5000, t0.Add(time.Minute)))},
			incoming: snap(later, reqMin(28, t0.Add(time.Minute))),
			want:     snap(later, reqMin(28, t0.Add(time.Minute)), seenAt(tokMin(5000, t0.Add(time.Minute)), t0)),
		},
		{
			name:     "a kept window keeps the time it was seen, however many snapshots pass it by",
			stored:   []quota.Snapshot{snap(t0, reqMin(29, t0.Add(time.Minute)), tokMin(5000, t0.Add(time.Minute))), snap(t0.Add(5*time.Second), reqMin(28, t0.Add(time.Minute)))},
			incoming: snap(later, reqMin(27, t0.Add(time.Minute))),
			want:     snap(later, reqMin(27, t0.Add(time.Minute)), seenAt(tokMin(5000, t0.Add(time.Minute)), t0)),
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
			want:     snap(later, seenAt(reqMin(29, t0.Add(time.Minute)), t0)),
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
			want: with(snap(later, reqMin(20, t0.Add(time.Minute)), seenAt(tokMin(4000, t0.Add(time.Minute)), t0)), func(s *quota.Snapshot) {
				s.RetryAfterS = f64(3)
				s.Credit = credit(10, "USD")
			}),
		},
		// Parallel processes save their replies in any order: within one
		// window (the same reset, give or take the second the reset is
		// rounded to), the figure with less left is the later one on the
		// provider's side, whoever saves last.
		{
			name:     "replies seen in the same second: the one with less left wins, saved first",
			stored:   []quota.Snapshot{snap(later, reqMin(20, t0.Add(time.Minute)))},
			incoming: snap(later, reqMin(25, t0.Add(time.Minute))),
			want:     snap(later, reqMin(20, t0.Add(time.Minute))),
		},
		{
			name:     "replies seen in the same second: the one with less left wins, saved last",
			stored:   []quota.Snapshot{snap(later, reqMin(25, t0.Add(time.Minute)))},
			incoming: snap(later, reqMin(20, t0.Add(time.Minute))),
			want:     snap(later, reqMin(20, t0.Add(time.Minute))),
		},
		{
			name:     "an older reply with less left in the same window wins that window, with its time",
			stored:   []quota.Snapshot{snap(later, reqMin(25, t0.Add(time.Minute)), tokMin(5000, t0.Add(time.Minute)))},
			incoming: snap(t0, reqMin(20, t0.Add(time.Minute)), tokMin(5500, t0.Add(time.Minute))),
			want:     snap(later, seenAt(reqMin(20, t0.Add(time.Minute)), t0), tokMin(5000, t0.Add(time.Minute))),
		},
		{
			name:     "resets a second apart are the same window",
			stored:   []quota.Snapshot{snap(t0, reqMin(20, t0.Add(time.Minute)))},
			incoming: snap(t0.Add(time.Second), reqMin(25, t0.Add(time.Minute+time.Second))),
			want:     snap(t0.Add(time.Second), seenAt(reqMin(20, t0.Add(time.Minute)), t0)),
		},
		{
			name:     "a reset that moves on with each reply is still the same window",
			stored:   []quota.Snapshot{snap(t0, reqMin(20, t0.Add(42*time.Second)))},
			incoming: snap(t0.Add(5*time.Second), reqMin(25, t0.Add(47*time.Second))),
			want:     snap(t0.Add(5*time.Second), seenAt(reqMin(20, t0.Add(42*time.Second)), t0)),
		},
		{
			name:     "a later reset is a new window: its figure wins with more left",
			stored:   []quota.Snapshot{snap(t0, reqMin(0, t0.Add(time.Minute)))},
			incoming: snap(t0.Add(70*time.Second), reqMin(29, t0.Add(2*time.Minute))),
			want:     snap(t0.Add(70*time.Second), reqMin(29, t0.Add(2*time.Minute))),
		},
		{
			name:     "a window without a reset: the newer figure wins",
			stored:   []quota.Snapshot{snap(t0, errorWindow(quota.Tokens, quota.PeriodDay, 0))},
			incoming: snap(later, errorWindow(quota.Tokens, quota.PeriodDay, 100)),
			want:     snap(later, errorWindow(quota.Tokens, quota.PeriodDay, 100)),
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

func TestSnapshotsCodec(t *testing.T) {
	before1970 := time.Date(1969, 7, 20, 20, 17, 40, 123456789, time.UTC)
	all := []quota.Snapshot{
		with(snap(t0.Add(123*time.Nanosecond),
			win(quota.Requests, quota.PeriodMinute, 30, 29, t0.Add(time.Minute), quota.SourceHeader),
			win("neurons", quota.PeriodDay, 10000, -5, before1970, quota.SourceHeader), // a negative figure, as a provider may send
			errorWindow(quota.Tokens, quota.PeriodDay, 0),                              // no limit, no reset
			quota.Window{Metric: quota.Requests, Period: quota.PeriodUnknown, Limit: i64(1 << 62), Source: quota.SourceHeader},
		), func(s *quota.Snapshot) {
			s.RetryAfterS = f64(2.5)
			s.Credit = &quota.Credit{Remaining: f64(-0.25), Granted: f64(5), Unit: "USD", ExpiresAt: tp(t0.Add(30 * 24 * time.Hour)), Source: quota.SourceGrant}
		}),
		// A DeepSeek-style balance split into grant and top-up; an OpenRouter
		// key's budget.
		{Provider: "moonshot", Key: "default", ObservedAt: t0, Windows: []quota.Window{},
			Credit: &quota.Credit{Remaining: f64(110), Unit: "CNY", Source: quota.SourceBalance, GrantedRemaining: f64(10), ToppedUpRemaining: f64(100)}},
		{Provider: "openrouter", Key: "default", ObservedAt: t0, Windows: []quota.Window{},
			Budget: &quota.Budget{Limit: f64(20), Remaining: f64(12.25), Used: f64(7.75), Unit: "USD", Period: quota.PeriodMonth, ResetAt: tp(t0.Add(10 * 24 * time.Hour)), Source: quota.SourceBalance}},
		{Provider: "openrouter", Key: "other", ObservedAt: t0, Windows: []quota.Window{},
			Budget: &quota.Budget{Limit: f64(5), Source: quota.SourceBalance}},
		{Provider: "openrouter", Key: "zz", Model: "gemini", ObservedAt: t0, Windows: []quota.Window{
			{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i64(20), Source: quota.SourceLearned, LearnedAt: tp(t0.Add(-time.Hour))}}},
		{Provider: "groq", Key: "default", ObservedAt: t0, Windows: []quota.Window{}, Credit: &quota.Credit{Source: quota.SourceBalance}}, // account snapshot
		with(snap(t0, win(quota.Tokens, quota.PeriodMinute, 6000, 5000, t0.Add(time.Minute), quota.SourceHeader),
			seenAt(win(quota.Requests, quota.PeriodDay, 14400, 14000, t0.Add(time.Hour), quota.SourceHeader), t0.Add(-time.Minute))),
			func(s *quota.Snapshot) { s.Model = "other"; s.Credit = credit(1, "USD") }),
		{Provider: "zhipu", Key: "clé", Model: "glm-4.5-flash", ObservedAt: before1970, Windows: []quota.Window{}},
	}
	var st snapshotsState
	for _, sn := range all {
		st.Snapshots = append(st.Snapshots, normalizeSnapshot(sn))
	}
	slices.SortFunc(st.Snapshots, compareSnapshotID)
	good, err := st.marshalState()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a round trip keeps every field", func(t *testing.T) {
		var back snapshotsState
		if err := back.unmarshalState(good); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, st) {
			t.Errorf("round trip\n%s\nwant\n%s", asJSON(t, back.Snapshots), asJSON(t, st.Snapshots))
		}
	})
	t.Run("a file with no window of its own time is format 2, which older tiers read", func(t *testing.T) {
		plain := snapshotsState{Snapshots: []quota.Snapshot{normalizeSnapshot(snap(t0, win(quota.Requests, quota.PeriodMinute, 30, 29, t0.Add(time.Minute), quota.SourceHeader)))}}
		b, err := plain.marshalState()
		if err != nil {
			t.Fatal(err)
		}
		if v := b[len(snapshotsMagic)]; v != 2 {
			t.Errorf("format %d, want 2", v)
		}
		if v := good[len(snapshotsMagic)]; v != 3 {
			t.Errorf("with a window's own observed_at: format %d, want 3", v)
		}
		for _, sn := range all[1:5] { // credit parts, a budget, a learned limit
			one := snapshotsState{Snapshots: []quota.Snapshot{normalizeSnapshot(sn)}}
			b, err := one.marshalState()
			if err != nil {
				t.Fatal(err)
			}
			if v := b[len(snapshotsMagic)]; v != 3 {
				t.Errorf("%s/%s: format %d, want 3 (format 2 cannot hold it)", sn.Provider, sn.Key, v)
			}
		}
	})
	t.Run("decoded snapshots do not share what a caller may change", func(t *testing.T) {
		var back snapshotsState
		if err := back.unmarshalState(good); err != nil {
			t.Fatal(err)
		}
		// groq/default/"" has no windows, then groq/default/llama and
		// groq/default/other have theirs one after the other.
		others := func() string { return asJSON(t, slices.Delete(slices.Clone(back.Snapshots), 1, 2)) }
		before := others()
		sn := &back.Snapshots[1]
		*sn.Windows[0].Limit = 7
		*sn.Windows[len(sn.Windows)-1].Limit = 7
		sn.Windows = append(sn.Windows, quota.Window{Metric: "x"})
		*sn.Credit.Remaining = 7
		if after := others(); after != before {
			t.Errorf("changing one snapshot changed the others:\n%s\nwas\n%s", after, before)
		}
	})

	// minimal builds a file of one snapshot groq//: strings "groq" and "",
	// then what follows the window total.
	minimal := func(version byte, snapshots, windows int, body ...byte) []byte {
		b := []byte(snapshotsMagic)
		b = append(b, version, 2, 4, 0)
		b = append(b, "groq"...)
		b = append(b, byte(snapshots), byte(windows))
		return withCRC(string(append(b, body...)))
	}
	//               provider key model  time  flags  windows
	okBody := []byte{0, 1, 1, 0, 0, 0, 0}
	var ok snapshotsState
	if err := ok.unmarshalState(minimal(2, 1, 0, okBody...)); err != nil || len(ok.Snapshots) != 1 || ok.Snapshots[0].Provider != "groq" {
		t.Fatalf("the minimal file does not decode: %v, %+v", err, ok)
	}
	flip := bytes.Clone(good)
	flip[len(good)/2] ^= 0x01
	cases := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"truncated", good[:len(good)-5], "checksum"},
		{"a flipped bit", flip, "checksum"},
		{"not a snapshots file", []byte(`{"version":1,"snapshots":[]}`), "not a valid tier snapshots file"},
		{"the ledger", withCRC(ledgerMagic + "\x02\x00"), "not a valid tier snapshots file"},
		{"a newer format", minimal(4, 1, 0, okBody...), "format 4"},
		{"a window's observed_at in format 2", minimal(2, 1, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, winObservedAt, 0, 0), "unknown flags"},
		{"a window's learned_at in format 2", minimal(2, 1, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, winLearnedAt, 0, 0), "unknown flags"},
		{"a budget in format 2", minimal(2, 1, 0, 0, 1, 1, 0, 0, snapBudget, 0), "unknown flags"},
		{"format 1 is JSON, never binary", minimal(1, 1, 0, okBody...), "format 1"},
		{"unknown flags", minimal(2, 1, 0, 0, 1, 1, 0, 0, 0x80, 0), "unknown flags"},
		{"a string index out of range", minimal(2, 1, 0, 2, 1, 1, 0, 0, 0, 0), "string index"},
		{"nanoseconds out of range", minimal(2, 1, 0, append([]byte{0, 1, 1, 0}, append(binary.AppendUvarint(nil, 1e9), 0, 0)...)...), "bad time"},
		{"the same snapshot twice", minimal(2, 2, 0, append(okBody, okBody...)...), "out of order"},
		{"more windows than counted", minimal(2, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0), "windows"},
		{"fewer windows than counted", minimal(2, 1, 1, append(okBody, 0, 0, 0, 0)...), "windows"},
		{"trailing bytes", minimal(2, 1, 0, append(okBody, 0)...), "trailing"},
		{"a retry_after_s that is not a number", minimal(2, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0), "not a finite number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var st snapshotsState
			err := st.unmarshalState(c.data)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("unmarshalState: %v, want an error with %q", err, c.wantErr)
			}
		})
	}
}

func TestSaveSnapshotRefusesNonFiniteNumbers(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1)} {
		s := Open(t.TempDir())
		err := s.SaveSnapshot(with(snap(t0), func(s *quota.Snapshot) { s.Credit = credit(v, "USD") }))
		if err == nil || !strings.Contains(err.Error(), "not a finite number") {
			t.Errorf("SaveSnapshot with a credit of %v: %v, want an error", v, err)
		}
	}
}

func TestSnapshotsFormat1IsRead(t *testing.T) {
	// What tier wrote before snapshots.bin: snapshots.json, here edited by
	// hand (out of order, one entry twice).
	reqMin := func(remaining int64, at time.Time) quota.Window {
		return win(quota.Requests, quota.PeriodMinute, 30, remaining, at.Add(time.Minute), quota.SourceHeader)
	}
	cerebras := with(snap(t0, reqMin(10, t0)), func(s *quota.Snapshot) { s.Provider = "cerebras" })
	older := with(snap(t0, reqMin(29, t0)), func(s *quota.Snapshot) { s.Credit = credit(3, "USD") })
	newer := snap(t0.Add(time.Second), reqMin(28, t0))
	old, err := json.Marshal(snapshotsJSON{Version: 1, Snapshots: []quota.Snapshot{newer, cerebras, older}})
	if err != nil {
		t.Fatal(err)
	}
	s := Open(t.TempDir())
	jsonPath := writeLegacy[snapshotsState](t, s, snapshotsFile, old)
	binPath := filePath[snapshotsState](s, snapshotsFile)

	want := []quota.Snapshot{normalizeSnapshot(cerebras), normalizeSnapshot(mergeSnapshots(older, newer))}
	got, err := s.Snapshots()
	if err != nil {
		t.Fatal(err)
	}
	if asJSON(t, got) != asJSON(t, want) {
		t.Errorf("read from snapshots.json:\n%s\nwant\n%s", asJSON(t, got), asJSON(t, want))
	}

	// The next write moves them over.
	mistral := with(snap(t0, reqMin(1, t0)), func(s *quota.Snapshot) { s.Provider = "mistral" })
	if err := s.SaveSnapshot(mistral); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(jsonPath); !os.IsNotExist(err) {
		t.Errorf("snapshots.json is still there after a write: %v", err)
	}
	if _, err := os.Stat(binPath); err != nil {
		t.Errorf("snapshots.bin was not written: %v", err)
	}
	want = append(want, normalizeSnapshot(mistral))
	if got, err := s.Snapshots(); err != nil || asJSON(t, got) != asJSON(t, want) {
		t.Errorf("after the write (%v):\n%s\nwant\n%s", err, asJSON(t, got), asJSON(t, want))
	}

	// A snapshots.json left beside snapshots.bin (a write that stopped
	// between the two steps) is stale: snapshots.bin is read.
	writeLegacy[snapshotsState](t, s, snapshotsFile, []byte(`{"version":1,"snapshots":[]}`))
	if got, err := s.Snapshots(); err != nil || len(got) != 3 {
		t.Errorf("with both files, read %d snapshots (%v), want the 3 of snapshots.bin", len(got), err)
	}
	if err := s.Remove(snapshotsFile); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Snapshots(); err != nil || len(got) != 0 {
		t.Errorf("after Remove, read %d snapshots (%v), want none", len(got), err)
	}
}

func FuzzSnapshotsDecode(f *testing.F) {
	var st snapshotsState
	st.Snapshots = []quota.Snapshot{
		normalizeSnapshot(with(snap(t0, win(quota.Requests, quota.PeriodMinute, 30, 29, t0.Add(time.Minute), quota.SourceHeader)),
			func(s *quota.Snapshot) { s.Credit = credit(1, "USD"); s.RetryAfterS = f64(1) })),
	}
	good, _ := st.marshalState()
	f.Add(good[:len(good)-4]) // the fuzzer adds the checksum, as FuzzLedgerDecode
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, body []byte) {
		var st snapshotsState
		if st.unmarshalState(withCRC(string(body))) != nil {
			return
		}
		again, err := st.marshalState()
		if err != nil {
			t.Fatal(err)
		}
		var back snapshotsState
		if err := back.unmarshalState(again); err != nil || !reflect.DeepEqual(back, st) {
			t.Errorf("a decoded file does not survive a write and a read: %v", err)
		}
	})
}

func TestSnapshotsMoveOverIsNeverSeenEmpty(t *testing.T) {
	old, _ := json.Marshal(snapshotsJSON{Version: 1, Snapshots: []quota.Snapshot{snap(t0)}})
	for range 20 {
		s := Open(t.TempDir())
		writeLegacy[snapshotsState](t, s, snapshotsFile, old)
		done := make(chan struct{})
		var wg sync.WaitGroup
		var seenEmpty atomic.Bool
		for range 2 {
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					if all, err := s.Snapshots(); err != nil || len(all) == 0 {
						seenEmpty.Store(true)
					}
				}
			})
		}
		err := s.SaveSnapshot(with(snap(t0), func(s *quota.Snapshot) { s.Provider = "cerebras" }))
		close(done)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if seenEmpty.Load() {
			t.Fatal("a reader found no snapshots while the writer moved them to snapshots.bin")
		}
	}
}

// SaveSnapshotMerged returns what a later Snapshot read would: the merge,
// as a copy the caller may change.
func TestSaveSnapshotMergedReturnsTheStoredSnapshot(t *testing.T) {
	s := Open(t.TempDir())
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	reset := at.Add(time.Hour)
	l, r := int64(100), int64(40)
	day := quota.Window{Metric: "requests", Period: "day", Limit: &l, Remaining: &r, ResetAt: &reset, Source: "header"}
	if err := s.SaveSnapshot(quota.Snapshot{Provider: "p", Key: "k", Model: "m", ObservedAt: at, Windows: []quota.Window{day}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.SaveSnapshotMerged(quota.Snapshot{Provider: "p", Key: "k", Model: "m", ObservedAt: at.Add(time.Minute), Windows: []quota.Window{}})
	if err != nil {
		t.Fatal(err)
	}
	want, ok, err := s.Snapshot("p", "k", "m")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if !reflect.DeepEqual(got, want) || len(got.Windows) != 1 {
		t.Errorf("merged %+v, stored %+v (the day window, reset still ahead, is kept)", got, want)
	}
	*got.Windows[0].Remaining = 0
	if again, _, _ := s.Snapshot("p", "k", "m"); *again.Windows[0].Remaining != 40 {
		t.Error("the returned snapshot shares memory with the store's")
	}
}

// Merging a snapshot the store already has (what tier status and tier
// quota do with the fleet's, every run) leaves the file as it is: no
// rewrite on every prompt.
func TestSaveSnapshotMergedUnchangedDoesNotWrite(t *testing.T) {
	s := Open(t.TempDir())
	reset := t0.Add(time.Hour)
	sn := snap(t0, quota.Window{Metric: "requests", Period: "day", Limit: i64(100), Remaining: i64(40), ResetAt: &reset, Source: quota.SourceHeader})
	if _, err := s.SaveSnapshotMerged(sn); err != nil {
		t.Fatal(err)
	}
	path := filePath[snapshotsState](s, snapshotsFile)
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.SaveSnapshotMerged(sn)
	if err != nil || got.Provider != "groq" || len(got.Windows) != 1 {
		t.Fatalf("%+v, %v", got, err)
	}
	after, err := os.Stat(path)
	if err != nil || !os.SameFile(before, after) {
		t.Errorf("the same snapshot again rewrote %s (%v)", path, err)
	}
	// A change is written (a new file renamed over the one there now).
	newer := snap(t0.Add(time.Minute), quota.Window{Metric: "requests", Period: "day", Limit: i64(100), Remaining: i64(39), ResetAt: &reset, Source: quota.SourceHeader})
	if _, err := s.SaveSnapshotMerged(newer); err != nil {
		t.Fatal(err)
	}
	if written, _ := os.Stat(path); os.SameFile(after, written) {
		t.Error("a newer snapshot was not written")
	}
	if st, _, _ := s.Snapshot("groq", "default", "llama-3.1-8b-instant"); *st.Windows[0].Remaining != 39 {
		t.Errorf("stored %+v", st)
	}
}
