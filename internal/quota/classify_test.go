package quota

import (
	"encoding/json"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	minuteAtZero := headers("x-ratelimit-limit-tokens", "18000", "x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "7.66s")
	dayAtZero := headers("x-ratelimit-limit-requests", "14400", "x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "2m59.56s")
	tests := []struct {
		name      string
		dialect   *Dialect
		status    int
		header    map[string][]string
		body      string
		want      Class
		exhausted string
		limitHit  string // Result.LimitHit
	}{
		{name: "200", status: 200, want: ClassOK},
		{name: "201", status: 201, want: ClassOK},
		{name: "200 with the last request of the day used: ok, and the window is known to be out",
			dialect: groqDialect, status: 200, header: dayAtZero, want: ClassOK, exhausted: "requests/day"},
		{name: "no response at all", status: 0, want: ClassNetwork},
		{name: "401 bad key", status: 401, body: `{"error":{"message":"Invalid API Key","code":"invalid_api_key"}}`, want: ClassAuth},
		{name: "401 wins over a credit message", status: 401, body: deepSeek402Body, want: ClassAuth},
		{name: "403 forbidden", status: 403, want: ClassAuth},
		{name: "403 whose body says the balance ran out", status: 403, body: deepSeek402Body, want: ClassQuotaExhausted},
		{name: "402 with no body", status: 402, want: ClassQuotaExhausted},
		{name: "429 saying nothing", status: 429, want: ClassRateLimited},
		{name: "429 Groq tokens per minute at 0", dialect: groqDialect, status: 429, header: minuteAtZero,
			want: ClassRateLimited, exhausted: "tokens/minute"},
		{name: "429 Groq requests per day at 0", dialect: groqDialect, status: 429, header: dayAtZero,
			want: ClassQuotaExhausted, exhausted: "requests/day"},
		{name: "429 both at 0: the day window decides", dialect: groqDialect, status: 429,
			header: headers("x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "7.66s",
				"x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "2m59.56s"),
			want: ClassQuotaExhausted, exhausted: "requests/day"},
		{name: "429 OpenAI window unstated, resets in 2h: quota exhausted", dialect: openAIDialect, status: 429,
			header: headers("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "2h0m0s"),
			want:   ClassQuotaExhausted, exhausted: "requests/unknown"},
		{name: "429 OpenAI window unstated, resets in 59m: rate limited", dialect: openAIDialect, status: 429,
			header: headers("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "59m0s"),
			want:   ClassRateLimited, exhausted: "requests/unknown"},
		{name: "429 two unstated windows at 0: the one resetting last decides", dialect: openAIDialect, status: 429,
			header: headers("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "2s",
				"x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "3h"),
			want: ClassQuotaExhausted, exhausted: "tokens/unknown"},
		{name: "429 whose body says the day's token limit was hit (SambaNova duration_s 86400), usage below it: quota exhausted",
			status: 429, body: sambaNovaTPDBody, want: ClassQuotaExhausted, limitHit: "tokens/day"},
		{name: "429 whose body names a day window the request would overflow (Groq TPD, used < limit): quota exhausted",
			status: 429, body: `{"error":{"message":"Rate limit reached for model m1 on tokens per day (TPD): Limit 100000, Used 99000, Requested 3619.","code":"rate_limit_exceeded"}}`,
			want: ClassQuotaExhausted, limitHit: "tokens/day"},
		{name: "429 whose body names a minute window the request would overflow: rate limited",
			status: 429, body: `{"error":{"message":"Rate limit reached for model m1 on tokens per minute (TPM): Limit 6000, Used 5000, Requested 1500. Please try again in 2s.","code":"rate_limit_exceeded"}}`,
			want: ClassRateLimited},
		{name: "429 whose body names a minute and a day window: the shorter one may be what was hit, rate limited",
			status: 429, body: `Violated duration_s: 60, current usage: 10, limit: 20 / Violated duration_s: 86400, current usage: 1, limit: 9`,
			want: ClassRateLimited},
		{name: "429 whose headers report a day window with room and a minute one at 0: rate limited", dialect: groqDialect, status: 429,
			header: headers("x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "7.66s",
				"x-ratelimit-limit-requests", "14400", "x-ratelimit-remaining-requests", "14000", "x-ratelimit-reset-requests", "2m59.56s"),
			want: ClassRateLimited, exhausted: "tokens/minute"},
		{name: "429 insufficient_quota", status: 429, body: openAIQuota, want: ClassQuotaExhausted},
		{name: "429 credits ran out", status: 429, body: hfCreditsBody, want: ClassQuotaExhausted},
		{name: "400", status: 400, want: ClassInvalid},
		{name: "404 unknown model", status: 404, want: ClassInvalid},
		{name: "413", status: 413, want: ClassInvalid},
		{name: "422", status: 422, want: ClassInvalid},
		{name: "408 timeout is transient", status: 408, want: ClassServer},
		{name: "500", status: 500, want: ClassServer},
		{name: "503 DeepSeek overloaded", status: 503, want: ClassServer},
		{name: "529 overloaded", status: 529, want: ClassServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Parse(tt.dialect, Response{Status: tt.status, Header: tt.header, Body: []byte(tt.body), At: arrival})
			if res.Class != tt.want {
				t.Errorf("class %q, want %q", res.Class, tt.want)
			}
			switch {
			case tt.exhausted == "" && res.Exhausted != nil:
				t.Errorf("Exhausted = %s, want nil", describe(*res.Exhausted))
			case tt.exhausted != "" && (res.Exhausted == nil || res.Exhausted.Key() != tt.exhausted):
				t.Errorf("Exhausted = %v, want %s", res.Exhausted, tt.exhausted)
			}
			if hit := res.LimitHit(); tt.limitHit == "" && hit != nil || tt.limitHit != "" && (hit == nil || hit.Key() != tt.limitHit) {
				t.Errorf("LimitHit = %v, want %q", hit, tt.limitHit)
			}
		})
	}
}

func TestRetryAfterPrecedence(t *testing.T) {
	tests := []struct {
		name   string
		header map[string][]string
		body   string
		want   time.Duration
		wantS  float64 // 0: retry_after_s not reported
	}{
		{"Retry-After header beats the body's hint", headers("Retry-After", "2"), openAITPMBody, 2 * time.Second, 2},
		{"body hint when no header", nil, openAITPMBody, 644 * time.Millisecond, 0.644},
		{"reset of the exhausted window when nothing says; not an explicit hint", nil, openRouterDayBody, 14 * time.Hour, 0},
		{"nothing known", nil, `{"error":{"message":"slow down"}}`, 0, 0},
		{"retry_after_s keeps 3 decimals", headers("retry-after-ms", "17300.4"), "", 17300400 * time.Microsecond, 17.3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Parse(nil, Response{Status: 429, Header: tt.header, Body: []byte(tt.body), At: arrival})
			if res.RetryAfter != tt.want {
				t.Errorf("RetryAfter = %v, want %v", res.RetryAfter, tt.want)
			}
			switch got := res.Snapshot.RetryAfterS; {
			case tt.wantS == 0 && got != nil:
				t.Errorf("retry_after_s = %v, want not reported", *got)
			case tt.wantS != 0 && (got == nil || *got != tt.wantS):
				t.Errorf("retry_after_s = %v, want %v", got, tt.wantS)
			}
		})
	}
}

func TestMergeUnstatedHeaderWindowWithBody(t *testing.T) {
	// OpenAI's headers do not say the token window; its 429 message does,
	// with the same limit. The two become one window, header values first.
	res := Parse(openAIDialect, Response{Status: 429, At: arrival, Body: []byte(openAITPMBody),
		Header: headers("x-ratelimit-limit-tokens", "30000", "x-ratelimit-remaining-tokens", "0")})
	checkWindows(t, res.Snapshot.Windows, []string{"tokens/minute limit=30000 remaining=0 reset=2026-11-21T10:00:01Z header"})

	// A different limit means a different window: both are kept.
	res = Parse(openAIDialect, Response{Status: 429, At: arrival, Body: []byte(openAITPMBody),
		Header: headers("x-ratelimit-limit-tokens", "900000", "x-ratelimit-remaining-tokens", "500000")})
	checkWindows(t, res.Snapshot.Windows, []string{
		"tokens/unknown limit=900000 remaining=500000 header",
		"tokens/minute limit=30000 remaining=63 reset=2026-11-21T10:00:01Z error",
	})
}

// sample is the snapshot of the JSON contract.
func sample() Snapshot {
	reset := mustTime("2026-11-21T10:00:41Z")
	expires := mustTime("2027-02-19T00:00:00Z")
	return Snapshot{
		Provider: "sambanova", Key: "default", Model: "Meta-Llama-3.1-8B-Instruct",
		ObservedAt: mustTime("2026-11-21T10:00:00Z"),
		Windows: []Window{
			{Metric: Requests, Period: PeriodMinute, Limit: ptr(int64(60)), Remaining: ptr(int64(59)), ResetAt: &reset, Source: SourceHeader},
			{Metric: Tokens, Period: PeriodDay, Limit: ptr(int64(200000)), Remaining: ptr(int64(3721)), Source: SourceError},
		},
		RetryAfterS: ptr(17.3),
		Credit:      &Credit{Remaining: ptr(4.98), Granted: ptr(5.0), Unit: "USD", ExpiresAt: &expires, Source: SourceGrant},
	}
}

func TestSnapshotJSONContract(t *testing.T) {
	const want = `{"provider":"sambanova","key":"default","model":"Meta-Llama-3.1-8B-Instruct","observed_at":"2026-11-21T10:00:00Z","windows":[{"metric":"requests","period":"minute","limit":60,"remaining":59,"reset_at":"2026-11-21T10:00:41Z","source":"header"},{"metric":"tokens","period":"day","limit":200000,"remaining":3721,"source":"error"}],"retry_after_s":17.3,"credit":{"remaining":4.98,"granted":5,"unit":"USD","expires_at":"2027-02-19T00:00:00Z","source":"grant"}}`
	got, err := json.Marshal(sample())
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("JSON:\n got  %s\n want %s", got, want)
	}

	// The same shape comes out of Parse: SambaNova headers (seconds until
	// reset), a body window, a Retry-After.
	res := Parse(sambaNovaDialect, Response{Status: 429, At: mustTime("2026-11-21T10:00:00.4Z"),
		Header: headers("X-Ratelimit-Limit-Requests", "60", "X-Ratelimit-Remaining-Requests", "59",
			"X-Ratelimit-Reset-Requests", "40.2", "Retry-After", "17.3"),
		Body: []byte(`{"error":{"message":"Violated duration_s: 86400, current usage: 196279, limit: 200000"}}`)})
	s := res.Snapshot
	s.Provider, s.Key, s.Model = "sambanova", "default", "Meta-Llama-3.1-8B-Instruct"
	s.ObservedAt = mustTime("2026-11-21T10:00:00Z") // Parse rounds 10:00:00.4 up; the contract sample says :00
	s.Credit = sample().Credit
	got, _ = json.Marshal(s)
	if string(got) != want {
		t.Errorf("JSON from Parse:\n got  %s\n want %s", got, want)
	}
}

func TestEmptySnapshotPrintsEmptyWindows(t *testing.T) {
	res := Parse(nil, Response{Status: 200, At: arrival})
	got, _ := json.Marshal(res.Snapshot)
	if want := `{"provider":"","observed_at":"2026-11-21T10:00:00Z","windows":[]}`; string(got) != want {
		t.Errorf("JSON %s, want %s", got, want)
	}
	got, _ = json.Marshal(Snapshot{ObservedAt: arrival}.Project(arrival))
	if want := `{"provider":"","observed_at":"2026-11-21T10:00:00Z","windows":[]}`; string(got) != want {
		t.Errorf("projected JSON %s, want %s", got, want)
	}
}

func TestProject(t *testing.T) {
	observed := Snapshot{
		Provider: "groq", ObservedAt: arrival,
		Windows: []Window{
			{Metric: Requests, Period: PeriodMinute, Limit: ptr(int64(60)), Remaining: ptr(int64(0)), ResetAt: ptr(mustTime("2026-11-21T10:00:41Z")), Source: SourceHeader},
			{Metric: Tokens, Period: PeriodMinute, Remaining: ptr(int64(0)), ResetAt: ptr(mustTime("2026-11-21T10:00:30Z")), Source: SourceError},
			{Metric: Tokens, Period: PeriodDay, Limit: ptr(int64(200000)), Remaining: ptr(int64(3721)), Source: SourceError},
			{Metric: Requests, Period: PeriodUnknown, Limit: ptr(int64(50)), Remaining: ptr(int64(0)), Source: SourceHeader},
			{Metric: "neurons", Period: PeriodMonth, Limit: ptr(int64(1000)), Remaining: ptr(int64(10)), Source: SourceHeader},
		},
	}
	tests := []struct {
		name string
		now  string
		want []string
	}{
		{"a second before the first reset: only the passed reset refills, limit unknown so remaining unknown", "2026-11-21T10:00:40Z", []string{
			"requests/minute limit=60 remaining=0 reset=2026-11-21T10:00:41Z header",
			"tokens/minute projected",
			"tokens/day limit=200000 remaining=3721 error",
			"requests/unknown limit=50 remaining=0 header",
			"neurons/month limit=1000 remaining=10 header",
		}},
		{"at the reset: refilled to the limit", "2026-11-21T10:00:41Z", []string{
			"requests/minute limit=60 remaining=60 projected",
			"tokens/minute projected",
			"tokens/day limit=200000 remaining=3721 error",
			"requests/unknown limit=50 remaining=0 header",
			"neurons/month limit=1000 remaining=10 header",
		}},
		{"a day later: the day window has certainly refilled; unknown period never", "2026-11-22T10:00:00Z", []string{
			"requests/minute limit=60 remaining=60 projected",
			"tokens/minute projected",
			"tokens/day limit=200000 remaining=200000 projected",
			"requests/unknown limit=50 remaining=0 header",
			"neurons/month limit=1000 remaining=10 header",
		}},
		{"31 days later: the month window too", "2026-12-22T10:00:00Z", []string{
			"requests/minute limit=60 remaining=60 projected",
			"tokens/minute projected",
			"tokens/day limit=200000 remaining=200000 projected",
			"requests/unknown limit=50 remaining=0 header",
			"neurons/month limit=1000 remaining=1000 projected",
		}},
	}
	before, _ := json.Marshal(observed)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := observed.Project(mustTime(tt.now))
			checkWindows(t, p.Windows, tt.want)
			if !p.ObservedAt.Equal(observed.ObservedAt) {
				t.Errorf("observed_at changed to %v", p.ObservedAt)
			}
		})
	}
	if after, _ := json.Marshal(observed); string(after) != string(before) {
		t.Errorf("Project modified its receiver:\n before %s\n after  %s", before, after)
	}
	// Changing a projection does not touch the original either.
	s := sample()
	p := s.Project(mustTime("2030-01-01T00:00:00Z"))
	*p.Windows[1].Limit, *p.RetryAfterS, *p.Credit.Remaining, *p.Credit.ExpiresAt = 1, 1, 1, time.Time{}
	got, _ := json.Marshal(s)
	want, _ := json.Marshal(sample())
	if string(got) != string(want) {
		t.Errorf("changing a projection changed the original:\n got  %s\n want %s", got, want)
	}
}

// A clone shares nothing with its original: changing every pointer of
// the copy leaves the original as it was.
func TestSnapshotCloneSharesNothing(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	f, n := 1.5, int64(7)
	orig := Snapshot{
		Windows:     []Window{{Limit: &n, Remaining: &n, ResetAt: &at, ObservedAt: &at, LearnedAt: &at, RunsOutAt: &at, BurnPerHour: &f}},
		RetryAfterS: &f,
		Credit:      &Credit{Remaining: &f, Granted: &f, ExpiresAt: &at, GrantedRemaining: &f, ToppedUpRemaining: &f, LastsUntil: &at, BurnPerDay: &f},
		Budget:      &Budget{Limit: &f, Remaining: &f, Used: &f, ResetAt: &at},
		Shared:      &Shared{Host: "a"},
	}
	want, err := json.Marshal(orig)
	if err != nil {
		t.Fatal(err)
	}
	c := orig.Clone()
	later := at.Add(time.Hour)
	w := &c.Windows[0]
	*w.Limit, *w.Remaining, *w.ResetAt, *w.ObservedAt, *w.LearnedAt, *w.RunsOutAt, *w.BurnPerHour = 1, 1, later, later, later, later, 9
	*c.RetryAfterS = 9
	cr := c.Credit
	*cr.Remaining, *cr.Granted, *cr.ExpiresAt, *cr.GrantedRemaining, *cr.ToppedUpRemaining, *cr.LastsUntil, *cr.BurnPerDay = 9, 9, later, 9, 9, later, 9
	*c.Budget.Limit, *c.Budget.Remaining, *c.Budget.Used, *c.Budget.ResetAt = 9, 9, 9, later
	c.Shared.Host = "b"
	got, err := json.Marshal(orig)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("changing the clone changed the original:\n got %s\nwant %s", got, want)
	}
}
