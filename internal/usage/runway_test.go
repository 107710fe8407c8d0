package usage

import (
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// What runs out when, at the pace of the last hour (windows) and week
// (credit), over the time the log knows: a log begun 40 minutes ago is
// not a week's pace.
func TestRunway(t *testing.T) {
	now := at("2026-12-03T10:00:00Z")
	i := func(v int64) *int64 { return &v }
	f := func(v float64) *float64 { return &v }
	tm := func(s string) *time.Time { v := at(s); return &v }
	call := func(ago time.Duration, cost float64) Entry {
		return Entry{At: now.Add(-ago), Kind: KindChat, Provider: "groq", Key: "default", Model: "m",
			PromptTokens: 50, CompletionTokens: 50, Cost: f(cost), Currency: "USD", Outcome: "ok"}
	}
	// 20 requests of 100 tokens, $0.01 each: every 3 minutes of the last
	// hour (and a free call a week ago), or every 2 minutes of the last 40.
	var steady, fresh []Entry
	for k := range 20 {
		steady = append(steady, call(time.Duration(k+1)*3*time.Minute, 0.01))
		fresh = append(fresh, call(time.Duration(k+1)*2*time.Minute, 0.01))
	}
	steady = append(steady, call(7*24*time.Hour-time.Minute, 0))
	for _, c := range []struct {
		name     string
		calls    []Entry
		rpdAt    string  // when RPD's 80 left run out
		perHour  float64 // its pace
		lastDays float64 // how long $2 of credit lasts, in days
		text     []string
	}{
		{"a week of log", steady, "2026-12-03T14:00:00Z", 20, 70,
			[]string{"RPD runs out at ~14:00 UTC (resets Dec 4 00:00 UTC)", "credit lasts ~70 days (expires in 20 days), outlasting its expiry"}},
		// 20 requests over the shortest window pace, an hour; $0.20 over
		// the shortest credit pace, a day, not a week.
		{"a log begun 40 minutes ago", fresh, "2026-12-03T14:00:00Z", 20, 10,
			[]string{"RPD runs out at ~14:00 UTC (resets Dec 4 00:00 UTC)", "credit lasts ~10 days (expires in 20 days)"}},
	} {
		db := seeded(t, c.calls...)
		hour, _ := db.Pace("groq", "default", "m", now.Add(-time.Hour))
		week, _ := db.Pace("groq", "default", "", now.AddDate(0, 0, -7))
		if hour.Requests != 20 || week.Cost["USD"] < 0.199 {
			t.Fatalf("%s: pace %+v %+v", c.name, hour, week)
		}
		s := quota.Snapshot{Provider: "groq", Key: "default", Model: "m", Windows: []quota.Window{
			{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i(1000), Remaining: i(80), ResetAt: tm("2026-12-04T00:00:00Z")},
			{Metric: quota.Tokens, Period: quota.PeriodDay, Limit: i(1e6), Remaining: i(900000), ResetAt: tm("2026-12-04T00:00:00Z")}, // lasts
			{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: i(30), Remaining: i(1)},                                       // too short to say
		}, Credit: &quota.Credit{Remaining: f(2), Unit: "USD", ExpiresAt: tm("2026-12-23T10:00:00Z")}}
		Runway(&s, hour, week, now)
		if w := s.Windows[0]; w.RunsOutAt == nil || !w.RunsOutAt.Equal(at(c.rpdAt)) || *w.BurnPerHour != c.perHour {
			t.Errorf("%s: RPD %+v, want it to run out at %s (%v/h)", c.name, w, c.rpdAt, c.perHour)
		}
		if s.Windows[1].RunsOutAt != nil || s.Windows[2].RunsOutAt != nil {
			t.Errorf("%s: a window that lasts, or a minute's, runs out: %+v", c.name, s.Windows)
		}
		if cr := s.Credit; cr.LastsUntil == nil || cr.LastsUntil.Sub(now).Hours()/24 < c.lastDays*0.98 || cr.LastsUntil.Sub(now).Hours()/24 > c.lastDays*1.02 {
			t.Errorf("%s: credit lasts until %v, want %.2f days", c.name, cr.LastsUntil, c.lastDays)
		}
		got := RunwayText(s, now, time.UTC)
		for _, want := range c.text {
			if !strings.Contains(got, want) {
				t.Errorf("%s: %q lacks %q", c.name, got, want)
			}
		}
	}
	// One call just made counts over an hour (a window) and a day (a
	// credit).
	db := seeded(t, call(10*time.Second, 0.01))
	hour, _ := db.Pace("groq", "default", "m", now.Add(-time.Hour))
	week, _ := db.Pace("groq", "default", "", now.AddDate(0, 0, -7))
	s := quota.Snapshot{Windows: []quota.Window{{Metric: quota.Requests, Period: quota.PeriodDay, Remaining: i(5), ResetAt: tm("2026-12-04T00:00:00Z")}},
		Credit: &quota.Credit{Remaining: f(2), Unit: "USD"}}
	Runway(&s, hour, week, now)
	if w := s.Windows[0]; w.RunsOutAt == nil || *w.BurnPerHour != 1 {
		t.Errorf("one call: RPD %+v, want a burn of 1/h", w)
	}
	if cr := s.Credit; cr.BurnPerDay == nil || *cr.BurnPerDay != 0.01 {
		t.Errorf("one call: credit %+v, want a burn of 0.01 a day", *cr)
	}
}
