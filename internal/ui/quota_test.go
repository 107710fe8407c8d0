package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

var now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func i64(n int64) *int64            { return &n }
func f64(f float64) *float64        { return &f }
func in(d time.Duration) *time.Time { t := now.Add(d); return &t }

const day = 24 * time.Hour

// win builds a window reported by a header with both figures.
func win(metric, period string, remaining, limit int64) quota.Window {
	return quota.Window{Metric: metric, Period: period, Remaining: i64(remaining), Limit: i64(limit), Source: quota.SourceHeader}
}

func usd(remaining float64) *quota.Credit {
	return &quota.Credit{Remaining: f64(remaining), Unit: "USD", Source: quota.SourceBalance}
}

func TestQuotaLine(t *testing.T) {
	tests := []struct {
		name string
		snap quota.Snapshot
		want string
	}{
		{
			name: "the example, windows given out of order",
			snap: quota.Snapshot{Provider: "sambanova", Model: "Meta-Llama-3.1-8B-Instruct",
				Windows: []quota.Window{
					{Metric: "requests", Period: "day", Remaining: i64(38), Limit: i64(40), ResetAt: in(13*time.Hour + 5*time.Minute), Source: "header"},
					{Metric: "requests", Period: "minute", Remaining: i64(59), Limit: i64(60), ResetAt: in(41 * time.Second), Source: "header"},
				},
				Credit: &quota.Credit{Remaining: f64(4.98), Unit: "USD", ExpiresAt: in(62*day + time.Hour), Source: "balance"}},
			want: "sambanova · Meta-Llama-3.1-8B-Instruct · RPM 59/60 ↻41s · RPD 38/40 ↻13h05m · credit $4.98, expires in 62d",
		},
		{
			name: "every label, in order",
			snap: quota.Snapshot{Provider: "p", Windows: []quota.Window{
				win("prompt_tokens", "minute", 1, 2),
				win("neurons", "day", 1, 2),
				win("tokens", "unknown", 1, 2),
				win("tokens", "month", 1, 2),
				win("tokens", "day", 1, 2),
				win("tokens", "hour", 1, 2),
				win("tokens", "minute", 1, 2),
				win("requests", "unknown", 1, 2),
				win("requests", "month", 1, 2),
				win("requests", "day", 1, 2),
				win("requests", "hour", 1, 2),
				win("requests", "minute", 1, 2),
			}},
			want: "p · RPM 1/2 · RPH 1/2 · RPD 1/2 · req/month 1/2 · requests 1/2 · " +
				"TPM 1/2 · TPH 1/2 · TPD 1/2 · tok/month 1/2 · tokens 1/2 · neurons/day 1/2 · prompt_tokens/minute 1/2",
		},
		{
			name: "other metric with no period",
			snap: quota.Snapshot{Provider: "p", Windows: []quota.Window{win("neurons", "", 5, 10)}},
			want: "p · neurons 5/10",
		},
		{
			name: "only remaining, only limit",
			snap: quota.Snapshot{Provider: "p", Model: "m", Windows: []quota.Window{
				{Metric: "requests", Period: "minute", Remaining: i64(59), Source: "header"},
				{Metric: "tokens", Period: "minute", Limit: i64(6000), Source: "header"},
			}},
			want: "p · m · RPM 59 left · TPM limit 6000",
		},
		{
			name: "a window with no figure is left out",
			snap: quota.Snapshot{Provider: "p", Windows: []quota.Window{
				{Metric: "requests", Period: "minute", ResetAt: in(time.Minute), Source: "header"},
				win("requests", "day", 3, 4),
			}},
			want: "p · RPD 3/4",
		},
		{
			name: "reset already past shows no countdown",
			snap: quota.Snapshot{Provider: "p", Windows: []quota.Window{
				{Metric: "requests", Period: "minute", Remaining: i64(0), Limit: i64(60), ResetAt: in(-time.Second), Source: "header"},
			}},
			want: "p · RPM 0/60",
		},
		{
			name: "estimate",
			snap: quota.Snapshot{Provider: "p", Windows: []quota.Window{
				{Metric: "requests", Period: "day", Remaining: i64(38), Limit: i64(50), ResetAt: in(20*time.Hour + 4*time.Minute), Source: "estimate"},
				{Metric: "tokens", Period: "day", Remaining: i64(900), Source: "estimate"},
				{Metric: "tokens", Period: "month", Limit: i64(1000000), Source: "estimate"},
			}},
			want: "p · RPD ~38/50 ↻20h04m · TPD ~900 left · tok/month limit ~1M",
		},
		{
			name: "projected",
			snap: quota.Snapshot{Provider: "p", Windows: []quota.Window{
				{Metric: "requests", Period: "day", Remaining: i64(40), Limit: i64(40), ResetAt: in(23*time.Hour + 59*time.Minute), Source: "projected"},
				{Metric: "requests", Period: "minute", Remaining: i64(60), Limit: i64(60), Source: "projected"},
			}},
			want: "p · RPM 60/60 (refilled) · RPD 40/40 ↻23h59m (refilled)",
		},
		{
			name: "credit below a cent",
			snap: quota.Snapshot{Provider: "p", Credit: usd(0.004)},
			want: "p · credit $0.004",
		},
		{
			name: "credit below a cent, three significant figures",
			snap: quota.Snapshot{Provider: "p", Credit: usd(0.004123)},
			want: "p · credit $0.00412",
		},
		{
			name: "credit zero",
			snap: quota.Snapshot{Provider: "p", Credit: usd(0)},
			want: "p · credit $0.00",
		},
		{
			name: "credit owed",
			snap: quota.Snapshot{Provider: "p", Credit: usd(-1.5)},
			want: "p · credit -$1.50",
		},
		{
			name: "credit of a different grant",
			snap: quota.Snapshot{Provider: "p", Credit: &quota.Credit{Remaining: f64(4.98), Granted: f64(5), Unit: "USD", Source: "balance"}},
			want: "p · credit $4.98 of $5",
		},
		{
			name: "credit equal to its grant",
			snap: quota.Snapshot{Provider: "p", Credit: &quota.Credit{Remaining: f64(5), Granted: f64(5), Unit: "USD", Source: "balance"}},
			want: "p · credit $5.00",
		},
		{
			name: "grant only",
			snap: quota.Snapshot{Provider: "p", Credit: &quota.Credit{Granted: f64(25), Unit: "USD", ExpiresAt: in(30 * day), Source: "grant"}},
			want: "p · credit granted $25, expires in 30d",
		},
		{
			name: "credit in tokens",
			snap: quota.Snapshot{Provider: "p", Credit: &quota.Credit{Remaining: f64(1_234_567), Granted: f64(2_000_000), Unit: "tokens", Source: "balance"}},
			want: "p · credit 1.2M tokens of 2M tokens",
		},
		{
			name: "credit in tokens, rounding up to the next unit",
			snap: quota.Snapshot{Provider: "p", Credit: &quota.Credit{Remaining: f64(999_990), Unit: "tokens", Source: "balance"}},
			want: "p · credit 1M tokens",
		},
		{
			name: "credit in another currency",
			snap: quota.Snapshot{Provider: "p", Credit: &quota.Credit{Remaining: f64(110), Granted: f64(200), Unit: "CNY", Source: "balance"}},
			want: "p · credit 110.00 CNY of 200 CNY",
		},
		{
			name: "credit expired",
			snap: quota.Snapshot{Provider: "p", Credit: &quota.Credit{Remaining: f64(4.98), Unit: "USD", ExpiresAt: in(-3*day - time.Hour), Source: "balance"}},
			want: "p · credit $4.98, expired 3d01h ago",
		},
		{
			name: "credit estimated",
			snap: quota.Snapshot{Provider: "p", Credit: &quota.Credit{Remaining: f64(4.98), Granted: f64(5), Unit: "USD", ExpiresAt: in(62 * day), Source: "estimate"}},
			want: "p · credit ~$4.98 of $5, expires in ~62d",
		},
		{
			name: "credit estimated, only the grant known",
			snap: quota.Snapshot{Provider: "p", Credit: &quota.Credit{Granted: f64(5), Unit: "USD", Source: "estimate"}},
			want: "p · credit granted ~$5",
		},
		{
			name: "a 90-day credit granted seconds ago reads 90 days",
			snap: quota.Snapshot{Provider: "p", Credit: &quota.Credit{Remaining: f64(5), Granted: f64(5), Unit: "USD", ExpiresAt: in(90*day - 5*time.Second), Source: "estimate"}},
			want: "p · credit ~$5.00, expires in ~90d",
		},
		{
			name: "a countdown is never longer than its window",
			snap: quota.Snapshot{Provider: "p", Windows: []quota.Window{
				{Metric: "requests", Period: "minute", Remaining: i64(59), Limit: i64(60), ResetAt: in(60*time.Second + 400*time.Millisecond), Source: "header"},
				{Metric: "requests", Period: "day", Remaining: i64(38), Limit: i64(40), ResetAt: in(day + time.Hour), Source: "header"},
			}},
			want: "p · RPM 59/60 ↻1m00s · RPD 38/40 ↻1d00h",
		},
		{
			name: "a window kept from an older reply says how old it is",
			snap: quota.Snapshot{Provider: "p", Windows: []quota.Window{
				{Metric: "requests", Period: "minute", Remaining: i64(59), Limit: i64(60), ResetAt: in(41 * time.Second), Source: "header"},
				{Metric: "requests", Period: "day", Remaining: i64(38), Limit: i64(40), ResetAt: in(13*time.Hour + 5*time.Minute), Source: "header", ObservedAt: in(-5 * time.Minute)},
			}},
			want: "p · RPM 59/60 ↻41s · RPD 38/40 ↻13h05m (seen 5m00s ago)",
		},
		{
			name: "one number format in a line: large figures in K and M",
			snap: quota.Snapshot{Provider: "p", Windows: []quota.Window{
				{Metric: "tokens", Period: "day", Remaining: i64(199988), Limit: i64(200000), Source: "estimate"},
				{Metric: "tokens", Period: "month", Remaining: i64(999500), Limit: i64(1000000), Source: "estimate"},
				{Metric: "tokens", Period: "minute", Remaining: i64(5994), Limit: i64(6000), Source: "header"},
			}},
			want: "p · TPM 5994/6000 · TPD ~199K/200K · tok/month ~999K/1M",
		},
		{
			name: "nothing reported",
			snap: quota.Snapshot{Provider: "groq", Model: "llama-3.3-70b"},
			want: "groq · llama-3.3-70b · limits not reported",
		},
		{
			name: "a credit with no figure is nothing reported",
			snap: quota.Snapshot{Provider: "groq", Model: "llama-3.3-70b", Credit: &quota.Credit{Unit: "USD", Source: "balance"}},
			want: "groq · llama-3.3-70b · limits not reported",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := QuotaLine(tt.snap, now, NewTheme(false))
			if got != tt.want {
				t.Errorf("QuotaLine =\n  %q\nwant\n  %q", got, tt.want)
			}
			if strings.ContainsRune(got, 0x1b) {
				t.Errorf("plain QuotaLine contains an ESC byte: %q", got)
			}
		})
	}
}

func TestQuotaLineStyles(t *testing.T) {
	th := NewTheme(true)
	tests := []struct {
		name  string
		snap  quota.Snapshot
		seg   string
		style Style
	}{
		{"room left is OK", quota.Snapshot{Provider: "p", Windows: []quota.Window{win("requests", "minute", 30, 60)}},
			"RPM 30/60", th.OK},
		{"under 10% is low", quota.Snapshot{Provider: "p", Windows: []quota.Window{win("requests", "minute", 5, 60)}},
			"RPM 5/60", th.Low},
		{"exactly 10% is not low", quota.Snapshot{Provider: "p", Windows: []quota.Window{win("requests", "minute", 6, 60)}},
			"RPM 6/60", th.OK},
		{"zero is exhausted", quota.Snapshot{Provider: "p", Windows: []quota.Window{
			{Metric: "requests", Period: "day", Remaining: i64(0), Limit: i64(40), ResetAt: in(13*time.Hour + 5*time.Minute), Source: "header"}}},
			"RPD 0/40 ↻13h05m", th.Exhausted},
		{"an estimate is dim", quota.Snapshot{Provider: "p", Windows: []quota.Window{
			{Metric: "requests", Period: "day", Remaining: i64(38), Limit: i64(50), Source: "estimate"}}},
			"RPD ~38/50", th.Estimate},
		{"an exhausted estimate is still exhausted", quota.Snapshot{Provider: "p", Windows: []quota.Window{
			{Metric: "requests", Period: "day", Remaining: i64(0), Limit: i64(50), Source: "estimate"}}},
			"RPD ~0/50", th.Exhausted},
		{"credit expiring within 7 days warns", quota.Snapshot{Provider: "p", Credit: &quota.Credit{
			Remaining: f64(4.98), Unit: "USD", ExpiresAt: in(3 * day), Source: "balance"}},
			"credit $4.98, expires in 3d00h", th.Warning},
		{"credit expiring later is OK", quota.Snapshot{Provider: "p", Credit: &quota.Credit{
			Remaining: f64(4.98), Unit: "USD", ExpiresAt: in(8 * day), Source: "balance"}},
			"credit $4.98, expires in 8d00h", th.OK},
		{"provider name", quota.Snapshot{Provider: "groq"}, "groq", th.Provider},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := QuotaLine(tt.snap, now, th)
			if want := tt.style.Render(tt.seg); !strings.Contains(got, want) {
				t.Errorf("QuotaLine = %q, want it to contain %q", got, want)
			}
		})
	}
	// The cases above can only fail if the styles differ from one another.
	seen := map[string]bool{}
	for _, st := range []Style{th.OK, th.Low, th.Exhausted, th.Estimate, th.Warning, th.Provider} {
		r := st.Render("x")
		if seen[r] {
			t.Errorf("two theme styles render alike: %q", r)
		}
		seen[r] = true
	}
}

func TestExpiryWarning(t *testing.T) {
	tests := []struct {
		name string
		snap quota.Snapshot
		want string
	}{
		{"nothing to warn about", quota.Snapshot{Provider: "p",
			Windows: []quota.Window{win("requests", "day", 1, 40)},
			Credit:  &quota.Credit{Remaining: f64(4.98), Unit: "USD", ExpiresAt: in(62 * day), Source: "balance"}}, ""},
		{"credit expiring in 3 days", quota.Snapshot{Provider: "p",
			Credit: &quota.Credit{Remaining: f64(4.98), Unit: "USD", ExpiresAt: in(3*day + time.Minute), Source: "balance"}},
			"credit $4.98 expires in 3d00h: use it or lose it"},
		{"credit already spent", quota.Snapshot{Provider: "p",
			Credit: &quota.Credit{Remaining: f64(0), Unit: "USD", ExpiresAt: in(3 * day), Source: "balance"}}, ""},
		{"credit already expired", quota.Snapshot{Provider: "p",
			Credit: &quota.Credit{Remaining: f64(4.98), Unit: "USD", ExpiresAt: in(-day), Source: "balance"}}, ""},
		{"credit with no expiry", quota.Snapshot{Provider: "p", Credit: usd(4.98)}, ""},
		{"window exhausted", quota.Snapshot{Provider: "p", Windows: []quota.Window{
			{Metric: "requests", Period: "day", Remaining: i64(0), Limit: i64(40), ResetAt: in(13*time.Hour + 5*time.Minute), Source: "header"}}},
			"RPD exhausted, resets in 13h05m"},
		{"window exhausted, reset unknown", quota.Snapshot{Provider: "p", Windows: []quota.Window{
			{Metric: "tokens", Period: "minute", Remaining: i64(0), Source: "header"}}},
			"TPM exhausted"},
		{"window not reported is not exhausted", quota.Snapshot{Provider: "p", Windows: []quota.Window{
			{Metric: "tokens", Period: "minute", Limit: i64(6000), Source: "header"}}}, ""},
		{"both", quota.Snapshot{Provider: "p",
			Windows: []quota.Window{{Metric: "requests", Period: "minute", Remaining: i64(0), Limit: i64(60), ResetAt: in(41 * time.Second), Source: "header"}},
			Credit:  &quota.Credit{Remaining: f64(4.98), Unit: "USD", ExpiresAt: in(2 * day), Source: "balance"}},
			"credit $4.98 expires in 2d00h: use it or lose it; RPM exhausted, resets in 41s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExpiryWarning(tt.snap, now); got != tt.want {
				t.Errorf("ExpiryWarning = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatCountdown(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"},
		{0, "0s"},
		{300 * time.Millisecond, "1s"}, // a wait in progress never shows 0s
		{41 * time.Second, "41s"},
		{40*time.Second + time.Millisecond, "41s"},
		{59 * time.Second, "59s"},
		{time.Minute, "1m00s"},
		{5*time.Minute + 3*time.Second, "5m03s"},
		{time.Hour, "1h00m"},
		{13*time.Hour + 5*time.Minute + 59*time.Second, "13h05m"},
		{day, "1d00h"},
		{2*day + 4*time.Hour + 30*time.Minute, "2d04h"},
		{9*day + 23*time.Hour, "9d23h"},
		{10 * day, "10d"},
		{62*day + 20*time.Hour, "63d"}, // days alone round to the nearest
		{62*day + 11*time.Hour, "62d"},
		{90*day - 5*time.Second, "90d"},
	}
	for _, tt := range tests {
		if got := FormatCountdown(tt.d); got != tt.want {
			t.Errorf("FormatCountdown(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestCountNeverOverstates(t *testing.T) {
	for _, tc := range []struct {
		n, scale int64
		want     string
	}{
		{59, 60, "59"}, {199988, 200000, "199K"}, {99994, 100000, "99.9K"}, {99994, 99999, "99994"}, {999, 200000, "999"},
		{999988, 1000000, "999K"}, {1000000, 1000000, "1M"}, {1099999, 2000000, "1M"},
		{1500000, 2000000, "1.5M"}, {14400000, 14400000, "14.4M"}, {250000000, 250000000, "250M"},
		{99999, 1000000, "99.9K"}, {100000, 1000000, "100K"},
	} {
		if got := count(tc.n, tc.scale); got != tc.want {
			t.Errorf("count(%d, %d) = %q, want %q", tc.n, tc.scale, got, tc.want)
		}
	}
}
