package store

import (
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// A limit only an error told (Gemini's QuotaFailure publishes the per-model,
// per-project quota nowhere else) is remembered past its window: once the
// window resets, the stored window keeps the limit as "learned", with when
// it was learned, and no remaining or reset (those were the past window's).
func TestErrorLimitIsRemembered(t *testing.T) {
	reset := t0.Add(2 * time.Hour)
	from429 := quota.Snapshot{Provider: "gemini", Key: "default", Model: "gemini-2.5-flash", ObservedAt: t0, Windows: []quota.Window{
		{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i64(20), Remaining: i64(0), ResetAt: &reset, Source: quota.SourceError},
		{Metric: quota.Tokens, Period: quota.PeriodUnknown, Limit: i64(0), Remaining: i64(0), Source: quota.SourceError}, // no period: nothing to learn
		{Metric: quota.Requests, Period: quota.PeriodMinute, Remaining: i64(0), Source: quota.SourceError},               // no limit: nothing to learn
	}}
	s := Open(t.TempDir())
	if err := s.SaveSnapshot(from429); err != nil {
		t.Fatal(err)
	}
	// A success the next day: Gemini sends no headers, so no windows.
	next := quota.Snapshot{Provider: "gemini", Key: "default", Model: "gemini-2.5-flash", ObservedAt: t0.Add(26 * time.Hour), Windows: []quota.Window{}}
	if err := s.SaveSnapshot(next); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Snapshot("gemini", "default", "gemini-2.5-flash")
	if err != nil || !ok {
		t.Fatalf("snapshot: %v %v", ok, err)
	}
	if len(got.Windows) != 1 {
		t.Fatalf("windows %+v, want the one learned limit", got.Windows)
	}
	w := got.Windows[0]
	if w.Key() != "requests/day" || w.Limit == nil || *w.Limit != 20 || w.Remaining != nil || w.ResetAt != nil ||
		w.Source != quota.SourceLearned || w.LearnedAt == nil || !w.LearnedAt.Equal(t0) {
		t.Errorf("learned window %+v (learned_at %v)", w, w.LearnedAt)
	}
	// Learned again later: the date moves on; a reported window replaces it.
	again := quota.Snapshot{Provider: "gemini", Key: "default", Model: "gemini-2.5-flash", ObservedAt: t0.Add(50 * time.Hour), Windows: []quota.Window{}}
	if err := s.SaveSnapshot(again); err != nil {
		t.Fatal(err)
	}
	got, _, _ = s.Snapshot("gemini", "default", "gemini-2.5-flash")
	if len(got.Windows) != 1 || !got.Windows[0].LearnedAt.Equal(t0) {
		t.Errorf("a learned limit stays learned at its date: %+v", got.Windows)
	}
}
