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
		// DeepSeek: strings, one entry per currency; USD preferred.
		{"deepseek USD preferred", "deepseek", `{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"110.00","granted_balance":"10.00","topped_up_balance":"100.00"},{"currency":"USD","total_balance":"4.20","granted_balance":"1.00","topped_up_balance":"3.20"}]}`,
			"4.2 USD balance", "", ""},
		{"deepseek CNY only", "deepseek", `{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"110.00","granted_balance":"10.00","topped_up_balance":"100.00"}]}`,
			"110 CNY balance", "", ""},
		{"deepseek numbers", "deepseek", `{"is_available":false,"balance_infos":[{"currency":"USD","total_balance":0}]}`, "0 USD balance", "", ""},
		{"deepseek no entries", "deepseek", `{"is_available":false,"balance_infos":[]}`, "", "", "no balance_infos"},
		{"deepseek garbage amount", "deepseek", `{"balance_infos":[{"currency":"USD","total_balance":"lots"}]}`, "", "", "not a number"},
		// Vercel: strings in the docs, numbers in some clients.
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
