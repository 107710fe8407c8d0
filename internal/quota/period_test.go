package quota

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in, want string
		length   time.Duration
	}{
		{"minute", PeriodMinute, time.Minute},
		{"Minutes", PeriodMinute, time.Minute},
		{"1-minute", PeriodMinute, time.Minute},
		{"second", PeriodSecond, time.Second},
		{"10-second", "10-second", 10 * time.Second},
		{"10-seconds", "10-second", 10 * time.Second},
		{"hour", PeriodHour, time.Hour},
		{"3-hour", "3-hour", 3 * time.Hour},
		{"day", PeriodDay, 24 * time.Hour},
		{"week", PeriodWeek, 7 * 24 * time.Hour},
		{"month", PeriodMonth, 31 * 24 * time.Hour}, // at most
		{"", "", 0},
		{"10", "", 0},
		{"0-second", "", 0},
		{"-5-second", "", 0},
		{"10-fortnight", "", 0},
		{"99999999999-day", "", 0},
	}
	for _, tt := range tests {
		got, ok := ParsePeriod(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("ParsePeriod(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			continue
		}
		if ok {
			if l, _ := PeriodLength(got); l != tt.length {
				t.Errorf("PeriodLength(%q) = %v, want %v", got, l, tt.length)
			}
		}
	}
	if l, ok := PeriodLength(PeriodUnknown); ok || l != 0 {
		t.Errorf("PeriodLength(unknown) = %v, %v; want 0, false", l, ok)
	}
}

// Mistral and Cerebras name the window in the header: any length a
// provider names is read with its real period, never squeezed into
// minute or day.
func TestWindowsNamedInTheHeader(t *testing.T) {
	mistral := &Dialect{Name: "mistral", Patterns: []HeaderPattern{{
		Limit: "x-ratelimit-limit-", Remaining: "x-ratelimit-remaining-", Reset: "x-ratelimit-reset-",
		Metrics: map[string]string{"req": Requests, "tokens": Tokens}, Format: ResetSeconds,
	}}}
	cerebras := &Dialect{Name: "cerebras", ResetFormat: ResetSeconds, Windows: cerebrasDialect.Windows, Patterns: []HeaderPattern{{
		Limit: "x-ratelimit-limit-", Remaining: "x-ratelimit-remaining-", Reset: "x-ratelimit-reset-",
		Metrics: map[string]string{"requests": Requests, "tokens": Tokens},
	}}}
	tests := []struct {
		name    string
		dialect *Dialect
		status  int
		header  map[string][]string
		want    []string
		class   Class
		exhaust string
	}{
		{
			// Real headers, https://github.com/mistralai/client-ts/issues/169.
			name: "Mistral per minute, as pasted from curl", dialect: mistral, status: 200,
			header: headers("x-ratelimit-limit-tokens-minute", "5000000", "x-ratelimit-remaining-tokens-minute", "4999911",
				"x-ratelimit-tokens-query-cost", "52", "x-ratelimit-limit-req-minute", "720", "x-ratelimit-remaining-req-minute", "717"),
			want: []string{
				"requests/minute limit=720 remaining=717 header",
				"tokens/minute limit=5000000 remaining=4999911 header",
			},
			class: ClassOK,
		},
		{
			// The 10-second request window and the monthly token window, in
			// the shape the quota-fidelity issue quotes; monthly headers
			// are also read by promptfoo (https://github.com/promptfoo/promptfoo/pull/10577).
			name: "Mistral 10-second requests and a monthly token budget", dialect: mistral, status: 429,
			header: headers(
				"X-Ratelimit-Limit-Req-Minute", "4", "X-Ratelimit-Remaining-Req-Minute", "3",
				"X-Ratelimit-Limit-Req-10-Second", "2", "X-Ratelimit-Remaining-Req-10-Second", "0",
				"X-Ratelimit-Limit-Tokens-Minute", "5000000", "X-Ratelimit-Remaining-Tokens-Minute", "4999911",
				"X-Ratelimit-Limit-Tokens-Month", "1000000000000", "X-Ratelimit-Remaining-Tokens-Month", "999998798434",
				"X-Ratelimit-Tokens-Query-Cost", "52"),
			want: []string{
				"requests/10-second limit=2 remaining=0 header",
				"requests/minute limit=4 remaining=3 header",
				"tokens/minute limit=5000000 remaining=4999911 header",
				"tokens/month limit=1000000000000 remaining=999998798434 header",
			},
			class: ClassRateLimited, exhaust: "requests/10-second",
		},
		{
			// A user whose monthly budget ran out: every request is a 429
			// until the month ends (https://github.com/promptfoo/promptfoo/pull/10577
			// reads the same headers; the 0 as reported in a public
			// project log).
			name: "Mistral monthly tokens at 0: quota exhausted", dialect: mistral, status: 429,
			header: headers("x-ratelimit-limit-tokens-month", "4000000", "x-ratelimit-remaining-tokens-month", "0",
				"x-ratelimit-limit-tokens-minute", "500000", "x-ratelimit-remaining-tokens-minute", "500000"),
			want: []string{
				"tokens/minute limit=500000 remaining=500000 header",
				"tokens/month limit=4000000 remaining=0 header",
			},
			class: ClassQuotaExhausted, exhaust: "tokens/month",
		},
		{
			// Hour windows are listed by Cerebras' rate-limit page; the
			// names follow its documented -minute/-day pattern. Explicit
			// windows and the pattern give one window each.
			name: "Cerebras hour windows", dialect: cerebras, status: 200,
			header: headers(
				"x-ratelimit-limit-requests-day", "14400", "x-ratelimit-remaining-requests-day", "14399", "x-ratelimit-reset-requests-day", "33011.382867097855",
				"x-ratelimit-limit-tokens-minute", "60000", "x-ratelimit-remaining-tokens-minute", "59800", "x-ratelimit-reset-tokens-minute", "11.382867097854614",
				"x-ratelimit-limit-requests-hour", "900", "x-ratelimit-remaining-requests-hour", "899", "x-ratelimit-reset-requests-hour", "1811.4",
				"x-ratelimit-limit-tokens-hour", "1000000", "x-ratelimit-remaining-tokens-hour", "999800"),
			want: []string{
				"requests/day limit=14400 remaining=14399 reset=2026-11-21T19:10:12Z header",
				"tokens/minute limit=60000 remaining=59800 reset=2026-11-21T10:00:12Z header",
				"requests/hour limit=900 remaining=899 reset=2026-11-21T10:30:12Z header",
				"tokens/hour limit=1000000 remaining=999800 header",
			},
			class: ClassOK,
		},
		{
			name: "names that are no window are ignored", dialect: mistral, status: 200,
			header: headers("x-ratelimit-limit-req", "5", "x-ratelimit-limit-req-", "5", "x-ratelimit-limit-req-fortnight", "5",
				"x-ratelimit-limit-bananas-minute", "5", "x-ratelimit-limit-req-0-second", "5", "x-ratelimit-limit-req-minute", "abc"),
			want:  nil,
			class: ClassOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Parse(tt.dialect, Response{Status: tt.status, Header: tt.header, At: arrival})
			checkWindows(t, res.Snapshot.Windows, tt.want)
			checkWholeUTC(t, res.Snapshot)
			if res.Class != tt.class {
				t.Errorf("class %q, want %q", res.Class, tt.class)
			}
			switch {
			case tt.exhaust == "" && res.Exhausted != nil:
				t.Errorf("Exhausted = %s, want nil", describe(*res.Exhausted))
			case tt.exhaust != "" && (res.Exhausted == nil || res.Exhausted.Key() != tt.exhaust):
				t.Errorf("Exhausted = %v, want %s", res.Exhausted, tt.exhaust)
			}
		})
	}
}

// A 10-second window refills 10 s after it was seen, not after a minute.
func TestProjectAnyPeriod(t *testing.T) {
	s := Snapshot{ObservedAt: arrival, Windows: []Window{
		{Metric: Requests, Period: "10-second", Limit: ptr(int64(2)), Remaining: ptr(int64(0)), Source: SourceHeader},
		{Metric: Tokens, Period: PeriodMonth, Limit: ptr(int64(100)), Remaining: ptr(int64(0)), Source: SourceHeader},
	}}
	got := s.Project(arrival.Add(11 * time.Second))
	checkWindows(t, got.Windows, []string{
		"requests/10-second limit=2 remaining=2 projected",
		"tokens/month limit=100 remaining=0 header",
	})
}

// FuzzPatternHeaders feeds arbitrary header names and values to a dialect
// that reads windows from the names. Whatever comes out holds Parse's
// promises, and every period is one ValidPeriod accepts.
func FuzzPatternHeaders(f *testing.F) {
	for _, s := range [][3]string{
		{"req-10-second", "2", "0"}, {"tokens-month", "1000000000000", "999998798434"},
		{"REQ-Minute", "720", "717"}, {"req-", "1", "1"}, {"tokens-99999999999-day", "1", "1"},
		{"req--1-second", "1", "1"}, {"req-0x10-hour", "5", "5"}, {"tokens-1-weeks", "7", "1"},
	} {
		f.Add(s[0], s[1], s[2], "12.5")
	}
	d := &Dialect{Name: "mistral", ResetFormat: ResetAuto, Patterns: []HeaderPattern{{
		Limit: "x-ratelimit-limit-", Remaining: "x-ratelimit-remaining-", Reset: "x-ratelimit-reset-",
		Metrics: map[string]string{"req": Requests, "tokens": Tokens, "tokens-prompt": "prompt_tokens"},
	}}}
	f.Fuzz(func(t *testing.T, name, limit, remaining, reset string) {
		h := headers("x-ratelimit-limit-"+name, limit, "X-RateLimit-Remaining-"+name, remaining, "x-ratelimit-reset-"+name, reset)
		for _, status := range []int{200, 429} {
			res := Parse(d, Response{Status: status, Header: h, At: arrival})
			checkResult(t, res, arrival)
			for _, w := range res.Snapshot.Windows {
				if !ValidPeriod(w.Period) {
					t.Errorf("period %q from %q is not valid", w.Period, name)
				}
			}
		}
		if p, ok := ParsePeriod(name); ok {
			if _, ok := PeriodLength(p); !ok || !ValidPeriod(p) {
				t.Errorf("ParsePeriod(%q) = %q, which has no length", name, p)
			}
		}
	})
}

// A key's budget refills at its reset; the JSON carries it beside credit.
func TestBudgetProjectionAndJSON(t *testing.T) {
	reset := arrival.Add(14 * time.Hour)
	s := Snapshot{Provider: "openrouter", ObservedAt: arrival, Windows: []Window{},
		Credit: &Credit{Remaining: ptr(110.0), Unit: "CNY", Source: SourceBalance, GrantedRemaining: ptr(10.0), ToppedUpRemaining: ptr(100.0)},
		Budget: &Budget{Limit: ptr(30.0), Remaining: ptr(24.0), Used: ptr(6.0), Unit: "USD", Period: PeriodDay, ResetAt: &reset, Source: SourceBalance}}
	got, _ := json.Marshal(s)
	const want = `{"provider":"openrouter","observed_at":"2026-11-21T10:00:00Z","windows":[],"credit":{"remaining":110,"unit":"CNY","source":"balance","granted_remaining":10,"topped_up_remaining":100},"budget":{"limit":30,"remaining":24,"used":6,"unit":"USD","period":"day","reset_at":"2026-11-22T00:00:00Z","source":"balance"}}`
	if string(got) != want {
		t.Errorf("JSON\n got  %s\n want %s", got, want)
	}
	before := s.Project(arrival.Add(time.Hour)).Budget
	if *before.Remaining != 24 || before.Source != SourceBalance || before.ResetAt == nil {
		t.Errorf("before the reset: %+v", before)
	}
	after := s.Project(reset).Budget
	if *after.Remaining != 30 || *after.Used != 0 || after.Source != SourceProjected || after.ResetAt != nil {
		t.Errorf("after the reset: %+v", after)
	}
	if *s.Budget.Remaining != 24 {
		t.Error("Project changed its receiver")
	}
}

// A learned limit has no window of its own to refill: Project leaves it.
func TestProjectLeavesLearnedLimits(t *testing.T) {
	at := arrival
	s := Snapshot{ObservedAt: arrival, Windows: []Window{
		{Metric: Requests, Period: PeriodDay, Limit: ptr(int64(20)), Source: SourceLearned, LearnedAt: &at},
	}}
	got := s.Project(arrival.Add(48 * time.Hour))
	checkWindows(t, got.Windows, []string{"requests/day limit=20 learned"})
	if got.Windows[0].LearnedAt == nil || got.Windows[0].LearnedAt == s.Windows[0].LearnedAt {
		t.Error("learned_at lost or shared")
	}
}
