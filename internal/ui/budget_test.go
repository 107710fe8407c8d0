package ui

import (
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/quota"
)

// A key's spending cap shows as its budget, apart from account credit; a
// balance split into grant and top-up shows both parts.
func TestQuotaLineBudgetAndCreditParts(t *testing.T) {
	tests := []struct {
		name string
		snap quota.Snapshot
		want string
	}{
		{"OpenRouter: the :free counter and a monthly key budget",
			quota.Snapshot{Provider: "openrouter", Windows: []quota.Window{win(quota.Requests, quota.PeriodDay, 41, 50)},
				Budget: &quota.Budget{Limit: f64(20), Remaining: f64(12.25), Unit: "USD", Period: quota.PeriodMonth, ResetAt: in(10 * day), Source: quota.SourceBalance}},
			"openrouter · RPD 41/50 · key budget $12.25 of $20 a month ↻10d"},
		{"a cap that never resets",
			quota.Snapshot{Provider: "openrouter", Budget: &quota.Budget{Limit: f64(5), Remaining: f64(4.9), Unit: "USD", Source: quota.SourceBalance}},
			"openrouter · key budget $4.90 of $5"},
		{"a budget refilled past its reset",
			quota.Snapshot{Provider: "openrouter", Budget: &quota.Budget{Limit: f64(30), Remaining: f64(30), Unit: "USD", Period: quota.PeriodDay, Source: quota.SourceProjected}},
			"openrouter · key budget $30.00 of $30 a day (refilled)"},
		{"DeepSeek: what is left of the grant and of the top-up",
			quota.Snapshot{Provider: "deepseek", Credit: &quota.Credit{Remaining: f64(110), Unit: "CNY", Source: quota.SourceBalance,
				GrantedRemaining: f64(10), ToppedUpRemaining: f64(100)}},
			"deepseek · credit 110.00 CNY (granted 10.00 CNY, topped up 100.00 CNY)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := QuotaLine(tt.snap, now, NewTheme(false)); got != tt.want {
				t.Errorf("\n got  %q\n want %q", got, tt.want)
			}
		})
	}
}

// A limit learned from an error (a 429, a 413) says so and when.
func TestQuotaLineLearnedLimit(t *testing.T) {
	learned := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	s := quota.Snapshot{Provider: "gemini", Model: "gemini-2.5-flash", Windows: []quota.Window{
		{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i64(20), Remaining: i64(17), Source: quota.SourceEstimate, LearnedAt: &learned},
	}}
	want := "gemini · gemini-2.5-flash · RPD ~17/20 (learned from an error on Nov 20)"
	if got := QuotaLine(s, now, NewTheme(false)); got != want {
		t.Errorf("\n got  %q\n want %q", got, want)
	}
}

// Monthly token budgets (Mistral: 1,000,000,000,000 a month) read in
// billions and trillions, digits dropped, never rounded up.
func TestCountMonthlyFigures(t *testing.T) {
	for _, tc := range []struct {
		n, scale int64
		want     string
	}{
		{999998798434, 1000000000000, "999B"}, {1000000000000, 1000000000000, "1T"},
		{4000000000, 4000000000, "4B"}, {1599999999, 4000000000, "1.5B"}, {999999999, 4000000000, "999M"},
	} {
		if got := count(tc.n, tc.scale); got != tc.want {
			t.Errorf("count(%d, %d) = %q, want %q", tc.n, tc.scale, got, tc.want)
		}
	}
}

// After a call, tier's own budgets in its scope follow the provider's key
// cap on the quota line.
func TestQuotaLineBudgets(t *testing.T) {
	s := quota.Snapshot{Provider: "openrouter", Budget: &quota.Budget{Limit: f64(5), Remaining: f64(4.9), Unit: "USD", Source: quota.SourceBalance}}
	own := []budget.Standing{{Name: "ci", Spent: 0.4, Limit: 2, Unit: "USD", Period: "day", Mode: "hard"},
		{Name: "nightly", Spent: 1200, Limit: 500000, Unit: "tokens", Period: "month", Mode: "soft"}}
	want := "openrouter · key budget $4.90 of $5 · budget ci $0.4000 of $2.00 today · budget nightly 1200 tokens of 500.0k tokens this month"
	if got := QuotaLineBudgets(s, own, now, NewTheme(false)); got != want {
		t.Errorf("\n got  %q\n want %q", got, want)
	}
	if got := QuotaLineBudgets(s, nil, now, NewTheme(false)); got != QuotaLine(s, now, NewTheme(false)) {
		t.Errorf("no budgets: %q", got)
	}
}
