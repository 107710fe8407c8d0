package overview

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

var now = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

const testCatalog = `
default: nohdr
dialects:
  none: {}
  utcday:
    day_reset_tz: UTC
providers:
  nohdr:
    base_url: https://nohdr.example/v1
    key_env: NOHDR_KEY
    default_model: m1
    dialect: utcday
    limits:
      - {tier: free, models: ["*"], rpm: 10, rpd: 100, tpd: 5000, as_of: 2026-11-01, source: https://example.com/limits}
      - {tier: paid, models: ["*"], rpd: 9999, as_of: 2026-11-01, source: https://example.com/limits}
    credits:
      - {amount: 5, unit: USD, valid_days: 90, tier: free, as_of: 2026-11-01, source: https://example.com/credits}
    models:
      - id: m1
        price: {input: 1.0, output: 2.0, as_of: 2026-11-01, source: https://example.com/prices}
  renews:
    base_url: https://renews.example/v1
    key_env: RENEWS_KEY
    default_model: r1
    credits:
      - {amount: 5, unit: USD, renew_days: 30, as_of: 2026-11-01, source: https://example.com/credits}
`

func setup(t *testing.T) (Source, *store.Store) {
	t.Helper()
	cat, err := catalog.LoadBytes([]byte(testCatalog), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	st := store.Open(t.TempDir())
	return Source{Catalog: cat, Store: st, Now: now}, st
}

func i64(v int64) *int64 { return &v }

func find(ws []quota.Window, metric, period string) *quota.Window {
	for i := range ws {
		if ws[i].Metric == metric && ws[i].Period == period {
			return &ws[i]
		}
	}
	return nil
}

func TestEstimatesCountTiersOwnUsageInTheCurrentWindow(t *testing.T) {
	src, st := setup(t)
	for _, u := range []store.Usage{
		{At: now.Add(-30 * time.Second), Requests: 2, PromptTokens: 100, CompletionTokens: 50}, // this minute, today
		{At: now.Add(-2 * time.Hour), Requests: 3, PromptTokens: 1000, CompletionTokens: 0},    // today (UTC)
		{At: now.Add(-11 * time.Hour), Requests: 7, PromptTokens: 1, CompletionTokens: 1},      // yesterday UTC: not counted
	} {
		u.Provider, u.Key, u.Model = "nohdr", "default", "m1"
		if err := st.RecordUsage(u); err != nil {
			t.Fatal(err)
		}
	}
	got := src.Complete(quota.Snapshot{Provider: "nohdr", Key: "default", Model: "m1", ObservedAt: now})
	tests := []struct {
		metric, period string
		remaining      int64
		reset          bool
	}{
		{quota.Requests, quota.PeriodMinute, 10 - 2, false},
		{quota.Requests, quota.PeriodDay, 100 - 5, true}, // the dialect documents a UTC day
		{quota.Tokens, quota.PeriodDay, 5000 - 1150, true},
	}
	for _, tc := range tests {
		w := find(got.Windows, tc.metric, tc.period)
		if w == nil {
			t.Fatalf("%s/%s: no estimate window in %+v", tc.metric, tc.period, got.Windows)
		}
		if w.Source != quota.SourceEstimate {
			t.Errorf("%s/%s: source %q, want estimate", tc.metric, tc.period, w.Source)
		}
		if w.Remaining == nil || *w.Remaining != tc.remaining {
			t.Errorf("%s/%s: remaining %v, want %d", tc.metric, tc.period, w.Remaining, tc.remaining)
		}
		if (w.ResetAt != nil) != tc.reset {
			t.Errorf("%s/%s: reset %v, want known=%v", tc.metric, tc.period, w.ResetAt, tc.reset)
		}
	}
	if w := find(got.Windows, quota.Requests, quota.PeriodDay); w.ResetAt != nil && !w.ResetAt.Equal(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("day reset %v, want next UTC midnight", w.ResetAt)
	}
	if len(got.Windows) != 3 {
		t.Errorf("got %d windows, want 3 (the paid tier's limits are not the free tier's)", len(got.Windows))
	}
}

func TestReportedWindowsWinOverEstimates(t *testing.T) {
	src, _ := setup(t)
	reset := now.Add(30 * time.Second)
	s := quota.Snapshot{Provider: "nohdr", Key: "default", Model: "m1", ObservedAt: now,
		Windows: []quota.Window{{Metric: "requests", Period: "minute", Limit: i64(10), Remaining: i64(4), ResetAt: &reset, Source: quota.SourceHeader}}}
	got := src.Complete(s)
	w := find(got.Windows, "requests", "minute")
	if w.Source != quota.SourceHeader || *w.Remaining != 4 {
		t.Errorf("reported window replaced: %+v", w)
	}
	if got.Windows[0].Key() != "requests/minute" {
		t.Errorf("windows not in display order: %v", got.Windows)
	}
}

func TestCreditFromPublishedGrantIsAnEstimateFromFirstUse(t *testing.T) {
	src, st := setup(t)
	first := now.Add(-10 * 24 * time.Hour)
	if err := MarkSeen(st, "nohdr", "default", first); err != nil {
		t.Fatal(err)
	}
	if err := MarkSeen(st, "nohdr", "default", now); err != nil { // a later use changes nothing
		t.Fatal(err)
	}
	st.RecordUsage(store.Usage{Provider: "nohdr", Key: "default", Model: "m1", At: now.Add(-time.Hour), Requests: 1, PromptTokens: 1_000_000, CompletionTokens: 500_000})
	src.FirstSeen = FirstSeen(st)
	got := src.Complete(quota.Snapshot{Provider: "nohdr", Key: "default", Model: "m1", ObservedAt: now})
	c := got.Credit
	if c == nil {
		t.Fatal("no credit")
	}
	if c.Source != quota.SourceEstimate || c.Unit != "USD" || *c.Granted != 5 {
		t.Errorf("credit %+v", c)
	}
	if want := 5 - (1.0 + 0.5*2.0); c.Remaining == nil || *c.Remaining != want {
		t.Errorf("remaining %v, want %v (grant less spend at catalog prices)", c.Remaining, want)
	}
	if want := first.AddDate(0, 0, 90); c.ExpiresAt == nil || !c.ExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v (90 days from first use)", c.ExpiresAt, want)
	}
}

func TestRecordedGrantIsAFactAndBalanceWins(t *testing.T) {
	src, _ := setup(t)
	exp := now.Add(3 * 24 * time.Hour)
	src.Keys = func(p, k string) (KeyInfo, bool) {
		return KeyInfo{Grant: &Grant{Amount: 25, Unit: "USD", ExpiresAt: &exp}}, true
	}
	got := src.Complete(quota.Snapshot{Provider: "nohdr", Key: "default", Model: "other", ObservedAt: now})
	if c := got.Credit; c == nil || c.Source != quota.SourceGrant || *c.Granted != 25 || !c.ExpiresAt.Equal(exp) || c.Remaining != nil {
		t.Errorf("recorded grant: %+v (no price for model 'other', so no remaining)", c)
	}
	bal := 7.5
	got = src.Complete(quota.Snapshot{Provider: "nohdr", Key: "default", ObservedAt: now,
		Credit: &quota.Credit{Remaining: &bal, Unit: "USD", Source: quota.SourceBalance}})
	if c := got.Credit; c.Source != quota.SourceBalance || *c.Remaining != 7.5 || *c.Granted != 25 || !c.ExpiresAt.Equal(exp) {
		t.Errorf("balance with grant: %+v", c)
	}
}

func TestExpiredGrantHasNothingLeft(t *testing.T) {
	src, st := setup(t)
	st.RecordUsage(store.Usage{Provider: "nohdr", Key: "default", Model: "m1", At: now.Add(-40 * 24 * time.Hour), Requests: 1, PromptTokens: 1_000_000})
	tests := []struct {
		name    string
		expires time.Time
		want    float64
	}{
		{"still valid: grant less spend", now.Add(time.Hour), 25 - 1.0},
		{"expired: nothing left", now.Add(-time.Hour), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			granted, exp := now.Add(-50*24*time.Hour), tc.expires
			src.Keys = func(p, k string) (KeyInfo, bool) {
				return KeyInfo{Grant: &Grant{Amount: 25, Unit: "USD", GrantedAt: granted, ExpiresAt: &exp}}, true
			}
			c := src.Complete(quota.Snapshot{Provider: "nohdr", Key: "default", Model: "m1", ObservedAt: now}).Credit
			if c == nil || c.Source != quota.SourceEstimate || c.Remaining == nil || *c.Remaining != tc.want {
				t.Errorf("credit %+v, want an estimate of %v left", c, tc.want)
			}
		})
	}
	// The catalog's 90-day grant, counted from a first use 100 days ago.
	src.Keys = nil
	if err := MarkSeen(st, "nohdr", "default", now.Add(-100*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	src.FirstSeen = FirstSeen(st)
	if c := src.Complete(quota.Snapshot{Provider: "nohdr", Key: "default", Model: "m1", ObservedAt: now}).Credit; c == nil || c.Remaining == nil || *c.Remaining != 0 {
		t.Errorf("published grant expired 10 days ago: %+v, want 0 left", c)
	}
}

func TestRenewingGrantShowsTheNextRefill(t *testing.T) {
	src, _ := setup(t)
	src.FirstSeen = func(p, k string) (time.Time, bool) { return now.AddDate(0, 0, -45), true }
	got := src.Complete(quota.Snapshot{Provider: "renews", Key: "default", Model: "r1", ObservedAt: now})
	if want := now.AddDate(0, 0, 15); got.Credit == nil || got.Credit.ExpiresAt == nil || !got.Credit.ExpiresAt.Equal(want) {
		t.Errorf("renewal %+v, want %v", got.Credit, want)
	}
}

func TestRowsNameUnusedProvidersWithPublishedLimits(t *testing.T) {
	src, st := setup(t)
	st.SaveSnapshot(quota.Snapshot{Provider: "renews", Key: "default", Model: "r1", ObservedAt: now.Add(-time.Minute), Windows: []quota.Window{}})
	rows, err := src.Rows(Filter{Providers: []string{"nohdr"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Snapshot.Provider != "nohdr" || rows[0].Snapshot.Model != "m1" || !rows[0].Seen.IsZero() {
		t.Fatalf("rows %+v", rows)
	}
	if w := find(rows[0].Snapshot.Windows, "requests", "day"); w == nil || *w.Remaining != 100 || w.Source != quota.SourceEstimate {
		t.Errorf("unused provider's RPD: %+v", w)
	}
	all, _ := src.Rows(Filter{})
	if len(all) != 1 || all[0].Snapshot.Provider != "renews" {
		t.Errorf("all rows: %+v", all)
	}
	if _, err := src.Rows(Filter{Providers: []string{"nohdrr"}}); err == nil || !strings.Contains(err.Error(), `did you mean "nohdr"`) {
		t.Errorf("unknown provider: %v", err)
	}
}

func TestProjectionAppliesBeforeEstimates(t *testing.T) {
	src, _ := setup(t)
	past := now.Add(-time.Second)
	s := quota.Snapshot{Provider: "nohdr", Key: "default", Model: "m1", ObservedAt: now.Add(-time.Hour),
		Windows: []quota.Window{{Metric: "requests", Period: "day", Limit: i64(100), Remaining: i64(0), ResetAt: &past, Source: quota.SourceHeader}}}
	w := find(src.Complete(s).Windows, "requests", "day")
	if w.Source != quota.SourceProjected || *w.Remaining != 100 {
		t.Errorf("after its reset the window is refilled and marked projected: %+v", w)
	}
}

// A key's account snapshot (model "", from balance endpoints and GET
// /models) lends its credit to the key's models, and a window it reports
// replaces the estimate of the same window until it resets.
func TestAccountSnapshotCountsForItsModels(t *testing.T) {
	src, st := setup(t)
	bal := 3.5
	reset := now.Add(time.Hour)
	if err := st.SaveSnapshot(quota.Snapshot{Provider: "nohdr", Key: "default", ObservedAt: now.Add(-time.Minute),
		Windows: []quota.Window{{Metric: "requests", Period: "day", Limit: i64(100), Remaining: i64(7), ResetAt: &reset, Source: quota.SourceBalance}},
		Credit:  &quota.Credit{Remaining: &bal, Unit: "USD", Source: quota.SourceBalance}}); err != nil {
		t.Fatal(err)
	}
	model := quota.Snapshot{Provider: "nohdr", Key: "default", Model: "m1", ObservedAt: now.Add(-time.Minute), Windows: []quota.Window{}}
	if err := st.SaveSnapshot(model); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		rpd  string // the model's RPD: "remaining source", "" for none
	}{
		{"the account's RPD stands", now, ""},
		{"after its reset, the estimate again", now.Add(2 * time.Hour), "100 estimate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src.Now = tc.at
			rows, err := src.Rows(Filter{})
			if err != nil || len(rows) != 2 || rows[0].Snapshot.Model != "" || rows[1].Snapshot.Model != "m1" {
				t.Fatalf("rows %+v, %v: want the account's, then m1's", rows, err)
			}
			m1 := rows[1].Snapshot
			if c := m1.Credit; c == nil || c.Source != quota.SourceBalance || *c.Remaining != 3.5 || c.Granted != nil || c.ExpiresAt != nil {
				t.Errorf("m1's credit %+v: want the account's balance, not mixed with the catalog's grant", c)
			}
			got := ""
			if w := find(m1.Windows, "requests", "day"); w != nil {
				got = fmt.Sprintf("%d %s", *w.Remaining, w.Source)
			}
			if got != tc.rpd {
				t.Errorf("m1's RPD %q, want %q", got, tc.rpd)
			}
			if w := find(m1.Windows, "requests", "minute"); w == nil || w.Source != quota.SourceEstimate {
				t.Errorf("m1's RPM %+v: the account reports none, so the catalog's is estimated", w)
			}
			if c := src.Complete(model).Credit; c == nil || *c.Remaining != 3.5 {
				t.Errorf("Complete (chat's quota line) misses the account's credit: %+v", c)
			}
		})
	}
}

// Rows say whether a credit's expiry is the catalog's estimate or a fact.
func TestRowsSayWhetherTheExpiryIsEstimated(t *testing.T) {
	src, st := setup(t)
	exp := now.Add(3 * 24 * time.Hour)
	src.FirstSeen = func(p, k string) (time.Time, bool) { return now.AddDate(0, 0, -10), true }
	src.Keys = func(p, k string) (KeyInfo, bool) {
		if k != "granted" {
			return KeyInfo{}, false
		}
		return KeyInfo{Grant: &Grant{Amount: 25, Unit: "USD", ExpiresAt: &exp}}, true
	}
	for _, k := range []string{"granted", "published"} {
		st.SaveSnapshot(quota.Snapshot{Provider: "nohdr", Key: k, Model: "m1", ObservedAt: now, Windows: []quota.Window{}})
	}
	rows, err := src.Rows(Filter{})
	if err != nil || len(rows) != 2 {
		t.Fatal(rows, err)
	}
	for _, r := range rows {
		want := r.Snapshot.Key == "published"
		if r.ExpiryEstimated != want || r.Snapshot.Credit == nil || r.Snapshot.Credit.ExpiresAt == nil {
			t.Errorf("key %s: expiry estimated %v, want %v (%+v)", r.Snapshot.Key, r.ExpiryEstimated, want, r.Snapshot.Credit)
		}
	}
}
