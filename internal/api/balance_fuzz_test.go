package api

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// A balance body's figures are finite or absent: "NaN" and "Infinity" as
// strings (strconv reads them) are not a balance.
func TestBalanceRefusesNonFiniteFigures(t *testing.T) {
	at := time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC)
	for _, tc := range []struct{ kind, body string }{
		{"vercel", `{"balance":"NaN","total_used":"0"}`},
		{"vercel", `{"balance":"Infinity"}`},
		{"deepseek", `{"balance_infos":[{"currency":"USD","total_balance":"inf"}]}`},
		{"openrouter", `{"data":{"limit":"NaN","limit_remaining":"-Inf"}}`},
	} {
		snap := quota.Snapshot{}
		err := parseBalance(tc.kind, []byte(tc.body), at, &snap)
		if err == nil {
			t.Errorf("%s %s: no error, snapshot %+v", tc.kind, tc.body, snap)
		}
	}
}

// FuzzParseBalance: any body, every kind: no panic, and what is returned
// without an error holds only finite figures (the store refuses others).
func FuzzParseBalance(f *testing.F) {
	for _, s := range []string{
		`{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"110.00","granted_balance":"10.00","topped_up_balance":"100.00"}]}`,
		`{"balance":"95.50","total_used":"4.50"}`,
		`{"data":{"limit":20,"limit_remaining":12.25,"limit_reset":"monthly","usage":7.75,"usage_monthly":7.75,"free_model_daily_requests":{"used":9,"limit":50,"remaining":41}}}`,
		`{"data":{"limit":30,"limit_reset":"weekly","usage_weekly":"1e308"}}`,
		`{"data":{"free_model_daily_requests":{"used":1e300,"limit":-5}}}`,
	} {
		f.Add(s)
	}
	at := time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		for _, kind := range []string{"deepseek", "vercel", "openrouter"} {
			snap := quota.Snapshot{}
			if err := parseBalance(kind, []byte(body), at, &snap); err != nil {
				continue
			}
			finite := func(what string, p *float64) {
				if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0)) {
					t.Errorf("%s %s = %v from %q", kind, what, *p, body)
				}
			}
			if c := snap.Credit; c != nil {
				finite("credit.remaining", c.Remaining)
				finite("credit.granted_remaining", c.GrantedRemaining)
				finite("credit.topped_up_remaining", c.ToppedUpRemaining)
			}
			if b := snap.Budget; b != nil {
				finite("budget.limit", b.Limit)
				finite("budget.remaining", b.Remaining)
				finite("budget.used", b.Used)
				if b.Remaining != nil && *b.Remaining < 0 {
					t.Errorf("budget.remaining %v < 0", *b.Remaining)
				}
			}
			for _, w := range snap.Windows {
				if w.Limit != nil && *w.Limit < 0 || w.Remaining != nil && *w.Remaining < 0 {
					t.Errorf("negative window figure from %q: %+v", body, w)
				}
				if !strings.Contains(w.Key(), "/") {
					t.Errorf("window %+v", w)
				}
			}
		}
	})
}
