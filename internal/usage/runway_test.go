package usage

import (
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

func TestRunway(t *testing.T) {
	now := at("2026-12-03T10:00:00Z")
	i := func(v int64) *int64 { return &v }
	f := func(v float64) *float64 { return &v }
	tm := func(s string) *time.Time { v := at(s); return &v }
	db := seeded(t)
	var calls []Entry
	for k := range 20 { // 20 requests of 100 tokens in the last hour
		calls = append(calls, Entry{At: now.Add(-time.Duration(k+1) * 2 * time.Minute), Kind: KindChat, Provider: "groq", Key: "default", Model: "m",
			PromptTokens: 50, CompletionTokens: 50, Cost: f(0.01), Currency: "USD", Outcome: "ok"})
	}
	if err := db.Insert(calls...); err != nil {
		t.Fatal(err)
	}
	hour, _ := db.Pace("groq", "default", "m", now.Add(-time.Hour))
	week, _ := db.Pace("groq", "default", "", now.AddDate(0, 0, -7))
	if hour.Requests != 20 || week.Cost["USD"] < 0.199 {
		t.Fatalf("pace %+v %+v", hour, week)
	}
	s := quota.Snapshot{Provider: "groq", Key: "default", Model: "m", Windows: []quota.Window{
		{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i(1000), Remaining: i(80), ResetAt: tm("2026-12-04T00:00:00Z")},  // 4h at 20/h
		{Metric: quota.Tokens, Period: quota.PeriodDay, Limit: i(1e6), Remaining: i(900000), ResetAt: tm("2026-12-04T00:00:00Z")}, // lasts
		{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: i(30), Remaining: i(1)},                                       // too short to say
	}, Credit: &quota.Credit{Remaining: f(2), Unit: "USD", ExpiresAt: tm("2026-12-23T10:00:00Z")}}
	Runway(&s, hour, week, now)
	if w := s.Windows[0]; w.RunsOutAt == nil || !w.RunsOutAt.Equal(at("2026-12-03T14:00:00Z")) || *w.BurnPerHour != 20 {
		t.Errorf("RPD runs out at %v (%v/h), want 14:00", w.RunsOutAt, w.BurnPerHour)
	}
	if s.Windows[1].RunsOutAt != nil || s.Windows[2].RunsOutAt != nil {
		t.Errorf("a window that lasts, or a minute's, runs out: %+v", s.Windows)
	}
	// $0.20 in a week: $2 lasts 70 days, past its expiry in 20.
	if c := s.Credit; c.LastsUntil == nil || c.LastsUntil.Sub(now).Hours()/24 < 69 || c.LastsUntil.Sub(now).Hours()/24 > 71 {
		t.Errorf("credit lasts until %v", c.LastsUntil)
	}
	got := RunwayText(s, now, time.UTC)
	for _, want := range []string{"RPD runs out at ~14:00 UTC (resets Dec 4 00:00 UTC)", "credit lasts ~70 days (expires in 20 days), outlasting its expiry"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}
