package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// What each provider's balance endpoint answers becomes credit or windows
// of the account's snapshot; anything else is an error, never a 0.
func TestParseBalance(t *testing.T) {
	at := time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC)
	utcMidnight := "2026-11-22T00:00:00Z"
	tests := []struct {
		name, kind, body string
		credit           string // "remaining unit source", "" for none
		windows          string // "metric/period remaining/limit source reset", "" for none
		wantErr          string
	}{
		// DeepSeek: strings, one entry per currency; the one with money, USD
		// preferred.
		// The documented response (https://api-docs.deepseek.com/zh-cn/api/get-user-balance.md):
		// the free grant's part is shown apart from the money paid in.
		{"deepseek USD preferred", "deepseek", `{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"110.00","granted_balance":"10.00","topped_up_balance":"100.00"},{"currency":"USD","total_balance":"4.20","granted_balance":"1.00","topped_up_balance":"3.20"}]}`,
			"4.2 USD balance granted=1 topped_up=3.2", "", ""},
		{"deepseek an empty USD entry beside CNY with money", "deepseek", `{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"110.00","granted_balance":"10.00","topped_up_balance":"100.00"},{"currency":"USD","total_balance":"0.00","granted_balance":"0.00","topped_up_balance":"0.00"}]}`,
			"110 CNY balance granted=10 topped_up=100", "", ""},
		{"deepseek both empty: USD", "deepseek", `{"is_available":false,"balance_infos":[{"currency":"CNY","total_balance":"0.00"},{"currency":"USD","total_balance":"0.00"}]}`,
			"0 USD balance", "", ""},
		{"deepseek CNY only, granted and topped up", "deepseek", `{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"110.00","granted_balance":"10.00","topped_up_balance":"100.00"}]}`,
			"110 CNY balance granted=10 topped_up=100", "", ""},
		{"deepseek numbers", "deepseek", `{"is_available":false,"balance_infos":[{"currency":"USD","total_balance":0}]}`, "0 USD balance", "", ""},
		{"deepseek no entries", "deepseek", `{"is_available":false,"balance_infos":[]}`, "", "", "no balance_infos"},
		{"deepseek garbage amount", "deepseek", `{"balance_infos":[{"currency":"USD","total_balance":"lots"}]}`, "", "", "not a number"},
		// Vercel: strings in the docs (https://vercel.com/docs/ai-gateway/capabilities/usage,
		// the same body in https://github.com/tddworks/ClaudeBar/issues/244),
		// numbers in some clients.
		{"vercel string", "vercel", `{"balance":"95.50","total_used":"4.50"}`, "95.5 USD balance", "", ""},
		{"vercel number", "vercel", `{"balance":3.5,"total_used":1.5}`, "3.5 USD balance", "", ""},
		{"vercel no balance", "vercel", `{"total_used":"4.50"}`, "", "", "no balance"},
		// OpenRouter /key: the daily ":free" counter per UTC day; the key's
		// spending cap is not a balance.
		{"openrouter free counter", "openrouter", `{"data":{"label":"x","limit":5,"limit_remaining":4.9,"usage":0.1,"is_free_tier":true,"free_model_daily_requests":{"used":9,"limit":50,"remaining":41}}}`,
			"", "requests/day 41/50 balance " + utcMidnight, ""},
		{"openrouter used only", "openrouter", `{"data":{"free_model_daily_requests":{"used":60,"limit":50}}}`,
			"", "requests/day 0/50 balance " + utcMidnight, ""},
		{"openrouter older response", "openrouter", `{"data":{"label":"x","limit":5,"usage":0.1,"limit_remaining":4.9,"is_free_tier":false,"rate_limit":{"requests":50,"interval":"10s"}}}`,
			"", "", ""},
		{"not JSON", "vercel", `<html>Sign in</html>`, "", "", "invalid character"},
		{"unknown kind", "acme", `{}`, "", "", `unknown balance kind "acme"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := quota.Snapshot{}
			err := parseBalance(tc.kind, []byte(tc.body), at, &snap)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			credit := ""
			if c := snap.Credit; c != nil {
				credit = fmt.Sprintf("%v %s %s", *c.Remaining, c.Unit, c.Source)
				if c.GrantedRemaining != nil {
					credit += fmt.Sprintf(" granted=%v", *c.GrantedRemaining)
				}
				if c.ToppedUpRemaining != nil {
					credit += fmt.Sprintf(" topped_up=%v", *c.ToppedUpRemaining)
				}
				if c.Granted != nil || c.ExpiresAt != nil {
					t.Errorf("a balance says nothing of grants or expiry: %+v", c)
				}
			}
			if credit != tc.credit {
				t.Errorf("credit %q, want %q", credit, tc.credit)
			}
			var ws []string
			for _, w := range snap.Windows {
				ws = append(ws, fmt.Sprintf("%s/%s %d/%d %s %s", w.Metric, w.Period, *w.Remaining, *w.Limit, w.Source, w.ResetAt.Format(time.RFC3339)))
			}
			if got := strings.Join(ws, "; "); got != tc.windows {
				t.Errorf("windows %q, want %q", got, tc.windows)
			}
		})
	}
}

// Balance sends the key to the provider's balance endpoint, and only to
// the provider's host; failures are classified like any call.
// OpenRouter's /key reports the key's spending cap: a budget with its
// reset, not account credit. Shapes from
// https://openrouter.ai/docs/api-reference/limits; the older real response
// is https://docs.rs/crate/openrouter/latest/source/responses/key.json.
func TestOpenRouterKeyBudget(t *testing.T) {
	at := time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC) // a Saturday
	tests := []struct {
		name, body string
		want       string // "remaining/limit used unit period reset source", "" for no budget
	}{
		{"older real response: a cap that never resets", `{"data":{"label":"sk-or-v1-116...0ce","limit":5,"usage":0.1015644762,"is_provisioning_key":false,"limit_remaining":4.8984355238,"is_free_tier":false,"rate_limit":{"requests":50,"interval":"10s"}}}`,
			"4.8984355238/5 used=0.1015644762 USD period= reset= balance"},
		{"monthly cap: resets on the 1st, 00:00 UTC", `{"data":{"limit":20,"limit_remaining":12.25,"limit_reset":"monthly","usage":7.75,"usage_daily":0.12,"usage_weekly":2.5,"usage_monthly":7.75}}`,
			"12.25/20 used=7.75 USD period=month reset=2026-12-01T00:00:00Z balance"},
		{"weekly cap: weeks run Monday to Sunday", `{"data":{"limit":100,"limit_remaining":74.5,"limit_reset":"weekly","usage_weekly":25.5}}`,
			"74.5/100 used=25.5 USD period=week reset=2026-11-23T00:00:00Z balance"},
		{"daily cap with no limit_remaining: limit less today's usage", `{"data":{"limit":30,"limit_reset":"daily","usage":27,"usage_daily":6,"usage_weekly":12,"usage_monthly":18}}`,
			"24/30 used=6 USD period=day reset=2026-11-22T00:00:00Z balance"},
		{"overspent: nothing left, never negative", `{"data":{"limit":30,"limit_remaining":-5}}`,
			"0/30 used= USD period= reset= balance"},
		{"no cap", `{"data":{"label":"controlled key","limit":null,"limit_remaining":null,"limit_reset":null,"usage":1.0,"usage_daily":0,"is_free_tier":false}}`, ""},
		{"an unknown reset: the cap, its period not stated", `{"data":{"limit":10,"limit_remaining":9,"limit_reset":"fortnightly"}}`,
			"9/10 used= USD period= reset= balance"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := quota.Snapshot{}
			if err := parseBalance("openrouter", []byte(tc.body), at, &snap); err != nil {
				t.Fatal(err)
			}
			if snap.Credit != nil {
				t.Errorf("credit %+v: a key's cap is no account credit", *snap.Credit)
			}
			got := ""
			if b := snap.Budget; b != nil {
				f := func(p *float64) string {
					if p == nil {
						return ""
					}
					return fmt.Sprint(*p)
				}
				reset := ""
				if b.ResetAt != nil {
					reset = b.ResetAt.Format(time.RFC3339)
				}
				got = fmt.Sprintf("%s/%s used=%s %s period=%s reset=%s %s", f(b.Remaining), f(b.Limit), f(b.Used), b.Unit, b.Period, reset, b.Source)
			}
			if got != tc.want {
				t.Errorf("budget\n got  %q\n want %q", got, tc.want)
			}
		})
	}
}

func TestBalanceRequest(t *testing.T) {
	const key = "test-key-balance-0001"
	var hits atomic.Int64
	var status atomic.Int64
	status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch {
		case r.Header.Get("Authorization") != "Bearer "+key:
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"message":"Authentication Fails (no such user)","type":"authentication_error"}}`)
		case status.Load() != http.StatusOK:
			w.WriteHeader(int(status.Load()))
			fmt.Fprint(w, `{"error":{"message":"upstream exploded","type":"server_error"}}`)
		default:
			fmt.Fprint(w, `{"balance":"3.50","total_used":"1.50"}`)
		}
	}))
	defer srv.Close()
	now := time.Date(2026, 11, 21, 10, 0, 0, 500, time.UTC)
	client := func(k string) *Client {
		return New(Config{Provider: "vercel", KeyName: "work", BaseURL: srv.URL + "/v1", Key: k, Now: func() time.Time { return now }})
	}
	ctx := context.Background()

	snap, err := client(key).Balance(ctx, "vercel", srv.URL+"/v1/credits")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Provider != "vercel" || snap.Key != "work" || snap.Model != "" || !snap.ObservedAt.Equal(now.Truncate(time.Second)) ||
		snap.Credit == nil || *snap.Credit.Remaining != 3.5 || snap.Windows == nil {
		t.Errorf("snapshot %+v", snap)
	}

	tests := []struct {
		name   string
		key    string
		url    string
		status int
		class  quota.Class
		msg    string
		sent   bool // the request reached the server
	}{
		{"wrong key", "test-key-wrong-0002", srv.URL + "/v1/credits", http.StatusOK, quota.ClassAuth, "", true},
		{"server error", key, srv.URL + "/v1/credits", http.StatusInternalServerError, quota.ClassServer, "upstream exploded", true},
		{"another host", key, "https://balance.example.test/v1/credits", http.StatusOK, quota.ClassInvalid, "tier sends the key only there", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status.Store(int64(tc.status))
			before := hits.Load()
			_, err := client(tc.key).Balance(ctx, "vercel", tc.url)
			var ae *Error
			if !errors.As(err, &ae) || ae.Class != tc.class || !strings.Contains(ae.Message, tc.msg) {
				t.Fatalf("error %#v, want class %s with %q", err, tc.class, tc.msg)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("the key is in the error: %v", err)
			}
			if sent := hits.Load() > before; sent != tc.sent {
				t.Errorf("request sent: %v, want %v", sent, tc.sent)
			}
		})
	}
}
