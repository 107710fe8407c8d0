package overview

import (
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

// A monthly token figure Mistral reports in its headers beats the
// catalog's published monthly limit; a window of another length (10
// seconds) stands beside the estimates with its own period.
func TestReportedMonthBeatsTheCatalogsEstimate(t *testing.T) {
	cat, err := catalog.LoadBytes([]byte(`
default: monthly
dialects:
  none: {}
providers:
  monthly:
    base_url: https://monthly.example/v1
    default_model: m1
    limits:
      - {tier: free, models: ["*"], tpm: 500000, unit: tokens, per_month: 1000000000, as_of: 2026-11-01, source: https://example.com/limits}
    models:
      - id: m1
`), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	src := Source{Catalog: cat, Store: store.Open(t.TempDir()), Now: now}
	got := src.Complete(quota.Snapshot{Provider: "monthly", Key: "default", Model: "m1", ObservedAt: now,
		Windows: []quota.Window{
			{Metric: quota.Tokens, Period: quota.PeriodMonth, Limit: i64(4000000), Remaining: i64(12), Source: quota.SourceHeader},
			{Metric: quota.Requests, Period: "10-second", Limit: i64(2), Remaining: i64(1), Source: quota.SourceHeader},
		}})
	w := find(got.Windows, quota.Tokens, quota.PeriodMonth)
	if w == nil || w.Source != quota.SourceHeader || *w.Remaining != 12 || *w.Limit != 4000000 {
		t.Errorf("tokens/month = %+v, want the reported 12 of 4000000", w)
	}
	if w := find(got.Windows, quota.Requests, "10-second"); w == nil || w.Source != quota.SourceHeader {
		t.Errorf("requests/10-second = %+v, want the reported window", w)
	}
	if w := find(got.Windows, quota.Tokens, quota.PeriodMinute); w == nil || w.Source != quota.SourceEstimate {
		t.Errorf("tokens/minute = %+v, want the catalog's estimate (nothing reported it)", w)
	}
	if n := len(got.Windows); n != 3 {
		t.Errorf("%d windows, want 3: %+v", n, got.Windows)
	}
}

// A key's budget, read from the account's balance endpoint, shows on the
// key's model rows as its credit does.
func TestKeyBudgetShowsOnModelRows(t *testing.T) {
	src, st := setup(t)
	limit, left := 20.0, 12.25
	if err := st.SaveSnapshot(quota.Snapshot{Provider: "nohdr", Key: "default", ObservedAt: now, Windows: []quota.Window{},
		Budget: &quota.Budget{Limit: &limit, Remaining: &left, Unit: "USD", Source: quota.SourceBalance}}); err != nil {
		t.Fatal(err)
	}
	got := src.Complete(quota.Snapshot{Provider: "nohdr", Key: "default", Model: "m1", ObservedAt: now})
	if got.Budget == nil || *got.Budget.Remaining != 12.25 {
		t.Errorf("budget %+v, want the key's 12.25 of 20", got.Budget)
	}
}

// A limit learned from a 429 (Gemini's QuotaFailure) is used like a
// published one: what is left is estimated from tier's own calls in the
// current window, and the window says when the limit was learned.
func TestLearnedLimitGivesAnEstimate(t *testing.T) {
	src, st := setup(t)
	if err := st.RecordUsage(store.Usage{Provider: "nohdr", Key: "default", Model: "m1", At: now.Add(-time.Hour), Requests: 3}); err != nil {
		t.Fatal(err)
	}
	learnedAt := now.Add(-30 * time.Hour)
	got := src.Complete(quota.Snapshot{Provider: "nohdr", Key: "default", Model: "m1", ObservedAt: now.Add(-time.Hour),
		Windows: []quota.Window{{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i64(20), Source: quota.SourceLearned, LearnedAt: &learnedAt}}})
	w := find(got.Windows, quota.Requests, quota.PeriodDay)
	if w == nil || w.Source != quota.SourceEstimate || w.Limit == nil || *w.Limit != 20 || w.Remaining == nil || *w.Remaining != 17 ||
		w.LearnedAt == nil || !w.LearnedAt.Equal(learnedAt) || w.ResetAt == nil {
		t.Errorf("requests/day = %+v, want ~17/20 learned at %v with the UTC-day reset", w, learnedAt)
	}
	if n := len(got.Windows); n != 3 { // rpm and tpd from the catalog, rpd learned
		t.Errorf("%d windows: %+v", n, got.Windows)
	}
}
