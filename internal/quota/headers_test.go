package quota

import (
	"testing"
	"time"
)

// Dialects as the catalog would describe them, one per documented header
// family in providers-reference.md.
var (
	openAIDialect = &Dialect{Name: "openai", ResetFormat: ResetDuration, Windows: []HeaderWindow{
		// OpenAI does not state the window.
		{Metric: Requests, Period: PeriodUnknown, Limit: "x-ratelimit-limit-requests", Remaining: "x-ratelimit-remaining-requests", Reset: "x-ratelimit-reset-requests"},
		{Metric: Tokens, Period: PeriodUnknown, Limit: "x-ratelimit-limit-tokens", Remaining: "x-ratelimit-remaining-tokens", Reset: "x-ratelimit-reset-tokens"},
	}}
	groqDialect = &Dialect{Name: "groq", ResetFormat: ResetDuration, Windows: []HeaderWindow{
		// Groq: requests are per day, tokens per minute.
		{Metric: Requests, Period: PeriodDay, Limit: "x-ratelimit-limit-requests", Remaining: "x-ratelimit-remaining-requests", Reset: "x-ratelimit-reset-requests"},
		{Metric: Tokens, Period: PeriodMinute, Limit: "x-ratelimit-limit-tokens", Remaining: "x-ratelimit-remaining-tokens", Reset: "x-ratelimit-reset-tokens"},
	}}
	cerebrasDialect = &Dialect{Name: "cerebras", ResetFormat: ResetSeconds, Windows: []HeaderWindow{
		{Metric: Requests, Period: PeriodDay, Limit: "x-ratelimit-limit-requests-day", Remaining: "x-ratelimit-remaining-requests-day", Reset: "x-ratelimit-reset-requests-day"},
		{Metric: Tokens, Period: PeriodMinute, Limit: "x-ratelimit-limit-tokens-minute", Remaining: "x-ratelimit-remaining-tokens-minute", Reset: "x-ratelimit-reset-tokens-minute"},
	}}
	sambaNovaDialect = &Dialect{Name: "sambanova", ResetFormat: ResetAuto, Windows: []HeaderWindow{
		// Unsuffixed headers are RPM; the -day block is RPD.
		{Metric: Requests, Period: PeriodMinute, Limit: "x-ratelimit-limit-requests", Remaining: "x-ratelimit-remaining-requests", Reset: "x-ratelimit-reset-requests"},
		{Metric: Requests, Period: PeriodDay, Limit: "x-ratelimit-limit-requests-day", Remaining: "x-ratelimit-remaining-requests-day", Reset: "x-ratelimit-reset-requests-day"},
	}}
	openRouterDialect = &Dialect{Name: "openrouter", ResetFormat: ResetEpochMS, Windows: []HeaderWindow{
		{Metric: Requests, Period: PeriodUnknown, Limit: "X-RateLimit-Limit", Remaining: "X-RateLimit-Remaining", Reset: "X-RateLimit-Reset"},
	}}
	anthropicDialect = &Dialect{Name: "anthropic", ResetFormat: ResetRFC3339, Windows: []HeaderWindow{
		{Metric: Requests, Period: PeriodMinute, Limit: "anthropic-ratelimit-requests-limit", Remaining: "anthropic-ratelimit-requests-remaining", Reset: "anthropic-ratelimit-requests-reset"},
		{Metric: Tokens, Period: PeriodMinute, Limit: "anthropic-ratelimit-tokens-limit", Remaining: "anthropic-ratelimit-tokens-remaining", Reset: "anthropic-ratelimit-tokens-reset"},
		// ITPM and OTPM: separate buckets, per minute.
		{Metric: InputTokens, Period: PeriodMinute, Limit: "anthropic-ratelimit-input-tokens-limit", Remaining: "anthropic-ratelimit-input-tokens-remaining", Reset: "anthropic-ratelimit-input-tokens-reset"},
		{Metric: OutputTokens, Period: PeriodMinute, Limit: "anthropic-ratelimit-output-tokens-limit", Remaining: "anthropic-ratelimit-output-tokens-remaining", Reset: "anthropic-ratelimit-output-tokens-reset"},
	}}
	mistralDialect = &Dialect{Name: "mistral", Windows: []HeaderWindow{
		{Metric: Requests, Period: PeriodMinute, Limit: "x-ratelimit-limit-req-minute", Remaining: "x-ratelimit-remaining-req-minute"},
		{Metric: Tokens, Period: PeriodMinute, Limit: "x-ratelimit-limit-tokens-minute", Remaining: "x-ratelimit-remaining-tokens-minute"},
	}}
	fireworksDialect = &Dialect{Name: "fireworks", Windows: []HeaderWindow{
		{Metric: "prompt_tokens", Period: PeriodMinute, Limit: "X-Ratelimit-Limit-Tokens-Prompt"},
		{Metric: "generated_tokens", Period: PeriodMinute, Limit: "X-Ratelimit-Limit-Tokens-Generated"},
	}}
)

func TestParseHeaders(t *testing.T) {
	tests := []struct {
		name        string
		dialect     *Dialect
		status      int // 0: 200
		header      map[string][]string
		want        []string
		wantRetryS  float64 // 0: RetryAfterS must be nil
		wantRetryAt time.Duration
	}{
		{
			name:    "OpenAI docs example, canonical names as net/http gives them",
			dialect: openAIDialect,
			header: headers(
				"X-Ratelimit-Limit-Requests", "60", "X-Ratelimit-Limit-Tokens", "150000",
				"X-Ratelimit-Remaining-Requests", "59", "X-Ratelimit-Remaining-Tokens", "149984",
				"X-Ratelimit-Reset-Requests", "1s", "X-Ratelimit-Reset-Tokens", "6m0s",
				"Content-Type", "application/json"),
			want: []string{
				"requests/unknown limit=60 remaining=59 reset=2026-11-21T10:00:01Z header",
				"tokens/unknown limit=150000 remaining=149984 reset=2026-11-21T10:06:00Z header",
			},
		},
		{
			name:    "Groq docs example: requests per day, tokens per minute, retry-after 2 (sent on 429s only)",
			dialect: groqDialect, status: 429,
			header: headers(
				"retry-after", "2",
				"x-ratelimit-limit-requests", "14400", "x-ratelimit-limit-tokens", "18000",
				"x-ratelimit-remaining-requests", "14370", "x-ratelimit-remaining-tokens", "17997",
				"x-ratelimit-reset-requests", "2m59.56s", "x-ratelimit-reset-tokens", "7.66s"),
			want: []string{
				"requests/day limit=14400 remaining=14370 reset=2026-11-21T10:03:00Z header",
				"tokens/minute limit=18000 remaining=17997 reset=2026-11-21T10:00:08Z header",
			},
			wantRetryS: 2, wantRetryAt: 2 * time.Second,
		},
		{
			name:    "Cerebras docs example: float seconds until reset",
			dialect: cerebrasDialect,
			header: headers(
				"x-ratelimit-limit-requests-day", "14400", "x-ratelimit-limit-tokens-minute", "60000",
				"x-ratelimit-remaining-requests-day", "14399", "x-ratelimit-remaining-tokens-minute", "59800",
				"x-ratelimit-reset-requests-day", "33011.382867097855", "x-ratelimit-reset-tokens-minute", "11.382867097854614"),
			want: []string{
				"requests/day limit=14400 remaining=14399 reset=2026-11-21T19:10:12Z header",
				"tokens/minute limit=60000 remaining=59800 reset=2026-11-21T10:00:12Z header",
			},
		},
		{
			name:    "SambaNova: unsuffixed is per minute (seconds), -day block (epoch seconds)",
			dialect: sambaNovaDialect,
			header: headers(
				"x-ratelimit-limit-requests", "60", "x-ratelimit-remaining-requests", "59", "x-ratelimit-reset-requests", "41",
				"x-ratelimit-limit-requests-day", "12000", "x-ratelimit-remaining-requests-day", "11990", "x-ratelimit-reset-requests-day", "1795305600"),
			want: []string{
				"requests/minute limit=60 remaining=59 reset=2026-11-21T10:00:41Z header",
				"requests/day limit=12000 remaining=11990 reset=2026-11-22T00:00:00Z header",
			},
		},
		{
			name:    "OpenRouter 429: X-RateLimit-* with epoch milliseconds",
			dialect: openRouterDialect,
			header:  headers("X-RateLimit-Limit", "50", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1795305600000"),
			want:    []string{"requests/unknown limit=50 remaining=0 reset=2026-11-22T00:00:00Z header"},
		},
		{
			name:    "Anthropic: RFC 3339 resets",
			dialect: anthropicDialect,
			header: headers(
				"anthropic-ratelimit-requests-limit", "50", "anthropic-ratelimit-requests-remaining", "49",
				"anthropic-ratelimit-requests-reset", "2026-11-21T10:00:07Z",
				"anthropic-ratelimit-tokens-limit", "40000", "anthropic-ratelimit-tokens-remaining", "39000",
				"anthropic-ratelimit-tokens-reset", "2026-11-21T10:00:02.5Z"),
			want: []string{
				"requests/minute limit=50 remaining=49 reset=2026-11-21T10:00:07Z header",
				"tokens/minute limit=40000 remaining=39000 reset=2026-11-21T10:00:03Z header",
			},
		},
		{
			name:    "Mistral: -req-minute and -tokens-minute, no reset header",
			dialect: mistralDialect,
			header: headers(
				"x-ratelimit-limit-req-minute", "60", "x-ratelimit-remaining-req-minute", "59",
				"x-ratelimit-limit-tokens-minute", "500000", "x-ratelimit-remaining-tokens-minute", "498766",
				"x-ratelimit-tokens-query-cost", "1234"),
			want: []string{
				"requests/minute limit=60 remaining=59 header",
				"tokens/minute limit=500000 remaining=498766 header",
			},
		},
		{
			name:    "Fireworks: limits only, remaining not reported",
			dialect: fireworksDialect,
			header:  headers("X-Ratelimit-Limit-Tokens-Prompt", "3600000", "X-Ratelimit-Limit-Tokens-Generated", "36000"),
			want: []string{
				"prompt_tokens/minute limit=3600000 header",
				"generated_tokens/minute limit=36000 header",
			},
		},
		{
			name:    "Gemini sends no rate-limit headers: no windows",
			dialect: &Dialect{Name: "gemini", DayResetTZ: "America/Los_Angeles"},
			header:  headers("Content-Type", "application/json", "Server", "scaffolding on HTTPServer2"),
			want:    nil,
		},
		{
			name:    "no dialect: still reads retry-after-ms, preferred to Retry-After",
			dialect: nil, status: 429,
			header: headers("Retry-After", "2", "retry-after-ms", "1500"),
			want:   nil, wantRetryS: 1.5, wantRetryAt: 1500 * time.Millisecond,
		},
		{
			name:    "Retry-After as an HTTP date",
			dialect: nil, status: 429,
			header: headers("Retry-After", "Sat, 21 Nov 2026 10:00:30 GMT"),
			want:   nil, wantRetryS: 30, wantRetryAt: 30 * time.Second,
		},
		{
			name:    "malformed retry-after-ms falls back to Retry-After",
			dialect: nil, status: 429,
			header: headers("retry-after-ms", "soon", "RETRY-AFTER", `"3"`),
			want:   nil, wantRetryS: 3, wantRetryAt: 3 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, class := 200, ClassOK
			if tt.status != 0 {
				status, class = tt.status, ClassRateLimited
			}
			res := Parse(tt.dialect, Response{Status: status, Header: tt.header, At: arrival})
			checkWindows(t, res.Snapshot.Windows, tt.want)
			checkWholeUTC(t, res.Snapshot)
			if res.Class != class {
				t.Errorf("class %q, want %q", res.Class, class)
			}
			if res.Snapshot.Windows == nil {
				t.Error("Windows is nil; want an empty slice so that JSON prints []")
			}
			switch got := res.Snapshot.RetryAfterS; {
			case tt.wantRetryS == 0 && got != nil:
				t.Errorf("retry_after_s = %v, want not reported", *got)
			case tt.wantRetryS != 0 && (got == nil || *got != tt.wantRetryS):
				t.Errorf("retry_after_s = %v, want %v", got, tt.wantRetryS)
			}
			if res.RetryAfter != tt.wantRetryAt {
				t.Errorf("RetryAfter = %v, want %v", res.RetryAfter, tt.wantRetryAt)
			}
		})
	}
}

func TestHeaderNamesAreCaseInsensitive(t *testing.T) {
	upperDialect := &Dialect{ResetFormat: ResetDuration, Windows: []HeaderWindow{
		{Metric: Tokens, Period: PeriodMinute, Limit: "X-RATELIMIT-LIMIT-TOKENS", Remaining: "x-ratelimit-remaining-tokens", Reset: "X-Ratelimit-Reset-Tokens"},
	}}
	want := []string{"tokens/minute limit=18000 remaining=17997 reset=2026-11-21T10:00:08Z header"}
	for _, spelling := range []struct {
		name string
		h    map[string][]string
	}{
		{"lower case (HTTP/2)", headers("x-ratelimit-limit-tokens", "18000", "x-ratelimit-remaining-tokens", "17997", "x-ratelimit-reset-tokens", "7.66s")},
		{"canonical (net/http)", headers("X-Ratelimit-Limit-Tokens", "18000", "X-Ratelimit-Remaining-Tokens", "17997", "X-Ratelimit-Reset-Tokens", "7.66s")},
		{"mixed, as copied from docs", headers("X-RateLimit-Limit-Tokens", "18000", "X-RATELIMIT-REMAINING-TOKENS", "17997", "x-RateLimit-reset-tokens", "7.66s")},
	} {
		t.Run(spelling.name, func(t *testing.T) {
			res := Parse(upperDialect, Response{Status: 200, Header: spelling.h, At: arrival})
			checkWindows(t, res.Snapshot.Windows, want)
		})
	}
	t.Run("two spellings of one name: the same one wins every time", func(t *testing.T) {
		h := headers("X-Ratelimit-Limit-Tokens", "1", "x-ratelimit-limit-tokens", "2")
		first := describeAll(Parse(upperDialect, Response{Status: 200, Header: h, At: arrival}).Snapshot.Windows)
		for range 50 { // map order varies between iterations
			got := describeAll(Parse(upperDialect, Response{Status: 200, Header: h, At: arrival}).Snapshot.Windows)
			if got[0] != first[0] {
				t.Fatalf("result depends on map order: %q then %q", first, got)
			}
		}
	})
}

func TestMalformedHeaderValuesDropOnlyTheirField(t *testing.T) {
	tests := []struct {
		name   string
		header map[string][]string
		want   []string
	}{
		{
			name: "bad reset drops the reset, bad remaining drops the remaining",
			header: headers(
				"x-ratelimit-limit-requests", "60", "x-ratelimit-remaining-requests", "59", "x-ratelimit-reset-requests", "soon",
				"x-ratelimit-limit-tokens", "150000", "x-ratelimit-remaining-tokens", "lots", "x-ratelimit-reset-tokens", "6m0s"),
			want: []string{
				"requests/unknown limit=60 remaining=59 header",
				"tokens/unknown limit=150000 reset=2026-11-21T10:06:00Z header",
			},
		},
		{
			name: "a window with nothing valid disappears, the other stays",
			header: headers(
				"x-ratelimit-limit-requests", "-1", "x-ratelimit-remaining-requests", "NaN", "x-ratelimit-reset-requests", "-5s",
				"x-ratelimit-limit-tokens", "150000", "x-ratelimit-remaining-tokens", "149984", "x-ratelimit-reset-tokens", "6m0s"),
			want: []string{"tokens/unknown limit=150000 remaining=149984 reset=2026-11-21T10:06:00Z header"},
		},
		{
			name: "integers as 60.0, quoted, padded; fractions round down",
			header: headers(
				"x-ratelimit-limit-requests", "60.0", "x-ratelimit-remaining-requests", `"59"`,
				"x-ratelimit-limit-tokens", " '150000' ", "x-ratelimit-remaining-tokens", "149983.9"),
			want: []string{
				"requests/unknown limit=60 remaining=59 header",
				"tokens/unknown limit=150000 remaining=149983 header",
			},
		},
		{
			name:   "empty values count as absent",
			header: headers("x-ratelimit-limit-requests", "", "x-ratelimit-remaining-requests", `""`, "x-ratelimit-limit-tokens", "1e999"),
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Parse(openAIDialect, Response{Status: 200, Header: tt.header, At: arrival})
			checkWindows(t, res.Snapshot.Windows, tt.want)
		})
	}
}

// "Not reported" must stay absent: a nil pointer, never 0.
func TestNotReportedStaysNil(t *testing.T) {
	res := Parse(fireworksDialect, Response{Status: 200, At: arrival,
		Header: headers("X-Ratelimit-Limit-Tokens-Prompt", "3600000")})
	if len(res.Snapshot.Windows) != 1 {
		t.Fatalf("got %d windows, want 1 (the limit-only prompt window)", len(res.Snapshot.Windows))
	}
	w := res.Snapshot.Windows[0]
	if w.Remaining != nil {
		t.Errorf("remaining = %d, want nil: Fireworks does not report it", *w.Remaining)
	}
	if w.ResetAt != nil {
		t.Errorf("reset_at = %v, want nil: Fireworks does not report it", *w.ResetAt)
	}
	if res.Snapshot.RetryAfterS != nil || res.Snapshot.Credit != nil {
		t.Errorf("retry_after_s %v, credit %v: want both nil", res.Snapshot.RetryAfterS, res.Snapshot.Credit)
	}
	if res.Exhausted != nil {
		t.Errorf("Exhausted = %v, want nil: nothing is known to be at 0", describe(*res.Exhausted))
	}
}

func TestDayResetTZ(t *testing.T) {
	dayOnly := func(tz string) *Dialect {
		return &Dialect{DayResetTZ: tz, Windows: []HeaderWindow{
			{Metric: Requests, Period: PeriodDay, Limit: "x-limit-day", Remaining: "x-remaining-day"},
			{Metric: Requests, Period: PeriodMinute, Limit: "x-limit-minute"},
		}}
	}
	h := headers("x-limit-day", "200", "x-remaining-day", "150", "x-limit-minute", "15")
	tests := []struct {
		name, tz string
		at       time.Time
		want     []string
	}{
		{"Cloudflare: 00:00 UTC", "UTC", arrival, []string{
			"requests/day limit=200 remaining=150 reset=2026-11-22T00:00:00Z header",
			"requests/minute limit=15 header",
		}},
		{"Gemini: midnight Pacific (PST in November)", "America/Los_Angeles", arrival, []string{
			"requests/day limit=200 remaining=150 reset=2026-11-22T08:00:00Z header",
			"requests/minute limit=15 header",
		}},
		{"Gemini: before Pacific midnight, the same UTC day", "America/Los_Angeles", mustTime("2026-11-21T07:30:00Z"), []string{
			"requests/day limit=200 remaining=150 reset=2026-11-21T08:00:00Z header",
			"requests/minute limit=15 header",
		}},
		{"Gemini in July: midnight Pacific is 07:00 UTC (PDT)", "America/Los_Angeles", mustTime("2026-07-01T12:00:00Z"), []string{
			"requests/day limit=200 remaining=150 reset=2026-07-02T07:00:00Z header",
			"requests/minute limit=15 header",
		}},
		{"unknown zone: reset stays unknown", "Nowhere/Atlantis", arrival, []string{
			"requests/day limit=200 remaining=150 header",
			"requests/minute limit=15 header",
		}},
		{"no zone: reset stays unknown", "", arrival, []string{
			"requests/day limit=200 remaining=150 header",
			"requests/minute limit=15 header",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Parse(dayOnly(tt.tz), Response{Status: 200, Header: h, At: tt.at})
			checkWindows(t, res.Snapshot.Windows, tt.want)
		})
	}
}

// BenchmarkParseHeaders: a 2xx with OpenAI's six rate-limit headers among
// ordinary ones, names in net/http's canonical form while the dialect is
// written in lower case (the slow path of a case-insensitive match).
func BenchmarkParseHeaders(b *testing.B) {
	h := headers(
		"X-Ratelimit-Limit-Requests", "10000", "X-Ratelimit-Limit-Tokens", "2000000",
		"X-Ratelimit-Remaining-Requests", "9999", "X-Ratelimit-Remaining-Tokens", "1999560",
		"X-Ratelimit-Reset-Requests", "6ms", "X-Ratelimit-Reset-Tokens", "13ms",
		"Date", "Sat, 21 Nov 2026 10:00:00 GMT", "Content-Type", "application/json",
		"Transfer-Encoding", "chunked", "Connection", "keep-alive",
		"Access-Control-Expose-Headers", "X-Request-ID", "Openai-Organization", "test-org-0001",
		"Openai-Processing-Ms", "312", "Openai-Version", "2020-10-01",
		"Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload",
		"X-Request-Id", "req_test0001", "Cf-Ray", "8f0000000000test-SJC", "Server", "cloudflare")
	r := Response{Status: 200, Header: h, At: arrival.Add(123 * time.Millisecond)}
	b.ReportAllocs()
	for b.Loop() {
		res := Parse(openAIDialect, r)
		if len(res.Snapshot.Windows) != 2 {
			b.Fatal("lost a window")
		}
	}
}
