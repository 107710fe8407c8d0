package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// Balance asks a provider's balance endpoint (kind "deepseek", "openrouter"
// or "vercel", as the catalog says) what is left. It spends no quota. The
// snapshot is for the account (no model).
//
// The key goes only to the host of the provider's base URL: a balance URL
// on another host (a typo or a doctored providers.yaml) is refused before
// anything is sent.
func (c *Client) Balance(ctx context.Context, kind, balanceURL string) (quota.Snapshot, error) {
	snap := quota.Snapshot{Provider: c.cfg.Provider, Key: c.cfg.KeyName, Windows: []quota.Window{}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, balanceURL, nil)
	if err != nil {
		return snap, &Error{Class: quota.ClassInvalid, Message: fmt.Sprintf("%s: bad balance URL in the catalog: %v", c.cfg.Provider, err)}
	}
	if base, err := url.Parse(c.cfg.BaseURL); err != nil || !strings.EqualFold(base.Host, req.URL.Host) {
		return snap, &Error{Class: quota.ClassInvalid, Message: fmt.Sprintf("%s: the balance URL's host %q is not the provider's (%q): tier sends the key only there; fix balance.url in providers.yaml",
			c.cfg.Provider, req.URL.Host, hostOf(c.cfg.BaseURL))}
	}
	if c.cfg.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Key)
	}
	req.Header.Set("Accept", "application/json")
	ctx, cap := withCapture(ctx)
	resp, err := c.http.Do(req.WithContext(ctx))
	if err != nil {
		return snap, c.classify(ctx, err, nil)
	}
	defer resp.Body.Close()
	ex := cap.take()
	if resp.StatusCode >= 300 {
		var qr *quota.Result
		if ex != nil {
			r := c.observe(ex, "")
			qr = &r
		}
		e := c.classify(ctx, fmt.Errorf("HTTP %d", resp.StatusCode), qr)
		if ae, ok := e.(*Error); ok {
			ae.Status = resp.StatusCode
		}
		return snap, e
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return snap, c.classify(ctx, err, nil)
	}
	at := c.cfg.Now().UTC().Truncate(time.Second)
	snap.ObservedAt = at
	if err := parseBalance(kind, body, at, &snap); err != nil {
		return snap, &Error{Class: quota.ClassServer, Message: fmt.Sprintf("%s: unexpected balance response: %v", c.cfg.Provider, err)}
	}
	return snap, nil
}

// flexNum accepts 1.5 and "1.5" (providers document strings; some clients
// and servers send numbers).
type flexNum struct {
	v  float64
	ok bool
}

func (n *flexNum) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "" || s == "null" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) { // strconv reads "NaN" and "Inf": no balance is
		return fmt.Errorf("not a number: %s", b)
	}
	n.v, n.ok = v, true
	return nil
}

func (n flexNum) ptr() *float64 {
	if !n.ok {
		return nil
	}
	v := n.v
	return &v
}

func parseBalance(kind string, body []byte, at time.Time, snap *quota.Snapshot) error {
	switch kind {
	case "deepseek":
		var v struct {
			IsAvailable  bool `json:"is_available"`
			BalanceInfos []struct {
				Currency        string  `json:"currency"`
				TotalBalance    flexNum `json:"total_balance"`
				GrantedBalance  flexNum `json:"granted_balance"`
				ToppedUpBalance flexNum `json:"topped_up_balance"`
			} `json:"balance_infos"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return err
		}
		if len(v.BalanceInfos) == 0 {
			return fmt.Errorf("no balance_infos")
		}
		// One entry per currency. The one with money in it is the balance
		// (USD when both have some); an empty USD entry beside a CNY one
		// with money is not "exhausted".
		pick, best := v.BalanceInfos[0], -1
		for _, b := range v.BalanceInfos {
			rank := 0
			if b.TotalBalance.ok && b.TotalBalance.v > 0 {
				rank += 2
			}
			if b.Currency == "USD" {
				rank++
			}
			if rank > best {
				pick, best = b, rank
			}
		}
		// The free grant's part apart from the money paid in (the grant is
		// spent first).
		snap.Credit = &quota.Credit{Remaining: pick.TotalBalance.ptr(), Unit: pick.Currency, Source: quota.SourceBalance,
			GrantedRemaining: pick.GrantedBalance.ptr(), ToppedUpRemaining: pick.ToppedUpBalance.ptr()}
	case "vercel":
		var v struct {
			Balance flexNum `json:"balance"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return err
		}
		if !v.Balance.ok {
			return fmt.Errorf("no balance")
		}
		snap.Credit = &quota.Credit{Remaining: v.Balance.ptr(), Unit: "USD", Source: quota.SourceBalance}
	case "openrouter":
		var v struct {
			Data struct {
				Limit          flexNum `json:"limit"`
				LimitRemaining flexNum `json:"limit_remaining"`
				LimitReset     *string `json:"limit_reset"`
				Usage          flexNum `json:"usage"`
				UsageDaily     flexNum `json:"usage_daily"`
				UsageWeekly    flexNum `json:"usage_weekly"`
				UsageMonthly   flexNum `json:"usage_monthly"`
				Free           *struct {
					Limit     flexNum `json:"limit"`
					Remaining flexNum `json:"remaining"`
					Used      flexNum `json:"used"`
				} `json:"free_model_daily_requests"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return err
		}
		// The key's spending cap is not the account's balance: it is the
		// key's budget. The daily counter of ":free" model requests is per
		// UTC day.
		d := v.Data
		if d.Limit.ok {
			reset := ""
			if d.LimitReset != nil {
				reset = *d.LimitReset
			}
			used := map[string]flexNum{"": d.Usage, "daily": d.UsageDaily, "weekly": d.UsageWeekly, "monthly": d.UsageMonthly}
			snap.Budget = keyBudget(d.Limit, d.LimitRemaining, used[reset], reset, at)
		}
		if f := v.Data.Free; f != nil {
			// Counts: whole, not negative, not absurd; anything else is
			// not reported.
			limit, lok := requestCount(f.Limit)
			left, rok := requestCount(f.Remaining)
			used, uok := requestCount(f.Used)
			w := quota.Window{Metric: quota.Requests, Period: quota.PeriodDay, Source: quota.SourceBalance}
			if lok {
				w.Limit = &limit
			}
			switch {
			case rok:
				w.Remaining = &left
			case lok && uok:
				r := max(0, limit-used)
				w.Remaining = &r
			}
			if w.Limit != nil || w.Remaining != nil {
				next := at.Truncate(24 * time.Hour).Add(24 * time.Hour)
				w.ResetAt = &next
				snap.Windows = append(snap.Windows, w)
			}
		}
	default:
		return fmt.Errorf("unknown balance kind %q", kind)
	}
	return nil
}

// keyBudget is an OpenRouter key's spending cap. reset is its limit_reset
// ("daily", "weekly", "monthly", "" for never); resets fall at 00:00 UTC,
// weeks run Monday to Sunday (OpenRouter's API keys docs). used is the
// usage of the current period; remaining is limit_remaining, else the
// limit less used, never below 0.
func keyBudget(limit, remaining, used flexNum, reset string, at time.Time) *quota.Budget {
	b := &quota.Budget{Limit: limit.ptr(), Used: used.ptr(), Unit: "USD", Source: quota.SourceBalance}
	day := at.UTC().Truncate(24 * time.Hour)
	var next time.Time
	switch reset {
	case "daily":
		b.Period, next = quota.PeriodDay, day.AddDate(0, 0, 1)
	case "weekly":
		daysToMonday := (8 - int(day.Weekday())) % 7
		if daysToMonday == 0 {
			daysToMonday = 7
		}
		b.Period, next = quota.PeriodWeek, day.AddDate(0, 0, daysToMonday)
	case "monthly":
		b.Period, next = quota.PeriodMonth, time.Date(day.Year(), day.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	case "":
	default:
		b.Used = nil // usage of a period tier does not know
	}
	if !next.IsZero() {
		b.ResetAt = &next
	}
	switch {
	case remaining.ok:
		r := max(0, remaining.v)
		b.Remaining = &r
	case b.Used != nil:
		r := max(0, limit.v-*b.Used)
		b.Remaining = &r
	}
	return b
}

// requestCount reads a request count: rounded down, false when absent,
// negative or absurd.
func requestCount(n flexNum) (int64, bool) {
	if !n.ok || n.v < 0 || n.v > 1e15 {
		return 0, false
	}
	return int64(n.v), true
}
