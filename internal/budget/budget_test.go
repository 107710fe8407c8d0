package budget

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/usage"
)

var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func profile() *catalog.Profile {
	return &catalog.Profile{Name: "groq", Models: []catalog.Model{
		{ID: "priced", ContextLength: 1000, Price: &catalog.Price{Input: 1000, Output: 2000}},
		{ID: "free", Free: true},
		{ID: "unpriced"},
	}}
}

func TestWorstCase(t *testing.T) {
	p := profile()
	for _, c := range []struct {
		call   Call
		tokens int64
		cost   float64
		known  bool
	}{
		{Call{Profile: p, Model: "priced", PromptTokens: 10, MaxTokens: 5}, 15, 10*0.001 + 5*0.002, true},
		{Call{Profile: p, Model: "priced", PromptTokens: 10}, 1000, 10*0.001 + 990*0.002, true}, // the context caps the default
		{Call{Profile: p, Model: "unpriced", PromptTokens: 10}, 10 + DefaultMaxOutput, 0, false},
		{Call{Profile: p, Model: "free", PromptTokens: 10}, 10 + DefaultMaxOutput, 0, true},
	} {
		w := WorstCase(c.call)
		if w.Tokens != c.tokens || w.Known != c.known || w.Cost-c.cost > 1e-12 || c.cost-w.Cost > 1e-12 {
			t.Errorf("%+v: %+v, want %d tokens, cost %v (%v)", c.call, w, c.tokens, c.cost, c.known)
		}
	}
}

func checker(t *testing.T, now *time.Time, budgets ...catalog.Budget) *Checker {
	for i := range budgets {
		budgets[i].Normalize()
	}
	return &Checker{Budgets: budgets, Log: usage.New(t.TempDir()), Now: func() time.Time { return *now }, Loc: time.UTC}
}

func spend(t *testing.T, c *Checker, at time.Time, cost float64, tokens int64) {
	t.Helper()
	if err := c.Log.Append(usage.Entry{At: at, Kind: usage.KindChat, Provider: "groq", Key: "default", Model: "priced",
		PromptTokens: tokens, Cost: &cost, Currency: "USD", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
}

// Alerts fire once per threshold per period, the highest newly crossed.
func TestAlertsOncePerThreshold(t *testing.T) {
	now := t0
	c := checker(t, &now, catalog.Budget{Name: "d", Limit: 1, Period: "day", Mode: "soft"})
	var got []int
	for _, step := range []float64{0.3, 0.3, 0.1, 0.3, 0.5} { // 30 60 70 100 150 %
		spend(t, c, now, step, 1)
		as, err := c.After(context.Background(), "groq", "default", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			got = append(got, a.Threshold)
		}
	}
	if want := []int{50, 95}; len(got) != 2 || got[0] != 50 || got[1] != 100 {
		t.Errorf("alerts %v, want 50 then 100 (80 and 95 passed with it), not %v", got, want)
	}
	// The next day is a new period.
	now = t0.Add(24 * time.Hour)
	spend(t, c, now, 0.6, 1)
	as, _ := c.After(context.Background(), "groq", "default", "")
	if len(as) != 1 || as[0].Threshold != 50 {
		t.Errorf("next day: %+v", as)
	}
}

func TestCheck(t *testing.T) {
	now := t0
	c := checker(t, &now,
		catalog.Budget{Name: "money", Limit: 0.05, Provider: "groq"},
		catalog.Budget{Name: "tokens", Limit: 100, Unit: "tokens", Tag: "ci"})
	call := Call{Profile: profile(), Key: "default", Model: "priced", PromptTokens: 10, MaxTokens: 5} // $0.02 at worst
	if err := c.Check(context.Background(), call); err != nil {
		t.Fatal(err)
	}
	spend(t, c, now, 0.04, 80)
	var r *Refused
	if err := c.Check(context.Background(), call); !errors.As(err, &r) || r.Budget != "money" {
		t.Fatalf("over the money budget: %v", err)
	}
	call.Profile = &catalog.Profile{Name: "other", Models: profile().Models}
	if err := c.Check(context.Background(), call); err != nil {
		t.Errorf("another provider is out of scope: %v", err)
	}
	call.Tag = "ci" // 80 of 100 tokens were spent by a call without the tag: not this budget's
	if err := c.Check(context.Background(), call); err != nil {
		t.Errorf("tag budget: %v", err)
	}
	call.Model = "unpriced"
	c.Budgets = c.Budgets[:1]
	call.Profile = profile()
	if err := c.Check(context.Background(), call); !errors.As(err, &r) {
		t.Errorf("unknown price under a hard money budget: %v", err)
	}
}

func TestStart(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	s, e := Start("week", t0, ny) // Thursday
	if s.Format("2006-01-02 15:04 MST") != "2026-11-30 00:00 EST" || !e.Equal(s.AddDate(0, 0, 7)) {
		t.Errorf("week %v – %v", s, e)
	}
	if s, e := Start("total", t0, ny); !s.IsZero() || !e.IsZero() {
		t.Errorf("total has a period")
	}
}

// alert_cmd gets the alert in its environment and is cut at AlertTimeout.
func TestAlertCmd(t *testing.T) {
	old := AlertTimeout
	AlertTimeout = 300 * time.Millisecond
	defer func() { AlertTimeout = old }()
	now := t0
	c := checker(t, &now, catalog.Budget{Name: "slow", Limit: 1, Period: "day", AlertCmd: "sleep 5"},
		catalog.Budget{Name: "env", Limit: 1, Period: "day", AlertCmd: `test "$TIER_ALERT_BUDGET $TIER_ALERT_THRESHOLD $TIER_ALERT_UNIT" = "env 50 USD"`})
	spend(t, c, now, 0.6, 1)
	start := time.Now()
	as, err := c.After(context.Background(), "groq", "default", "")
	if err != nil || len(as) != 2 {
		t.Fatalf("%v %+v", err, as)
	}
	if as[0].CmdError == "" || time.Since(start) > 3*time.Second {
		t.Errorf("a slow alert_cmd was not cut: %q after %s", as[0].CmdError, time.Since(start))
	}
	if as[1].CmdError != "" {
		t.Errorf("alert_cmd did not see the alert: %s", as[1].CmdError)
	}
}

// memReserver is a Reserver in memory, as shared's on Redis.
type memReserver map[string]float64

func (m memReserver) Reserve(_ context.Context, key string, limit, floor, amount float64, _ time.Time) (bool, error) {
	cur := max(m[key], floor)
	if cur+amount > limit {
		return false, nil
	}
	m[key] = cur + amount
	return true, nil
}

func (m memReserver) Correct(_ context.Context, key string, delta float64) error {
	m[key] = max(0, m[key]+delta)
	return nil
}

// A hold settles each shared budget's reservation at what the call cost:
// its tokens for a token budget, its cost for a money budget in the same
// currency; a call that may have cost more (Keep), or whose cost is
// unknown or in another currency, leaves the worst case reserved.
func TestHoldSettles(t *testing.T) {
	cost := func(v float64) *float64 { return &v }
	call := Call{Profile: profile(), Key: "default", Model: "priced", PromptTokens: 10, MaxTokens: 5} // 15 tokens, $0.02 at worst
	for _, c := range []struct {
		name          string
		spend         Spend
		money, tokens float64 // reserved after
	}{
		{"actual cost", Spend{Tokens: 8, Cost: cost(0.005), Currency: "USD"}, 0.005, 8},
		{"released", Released(), 0, 0},
		{"kept", Spend{Keep: true, Tokens: 8, Cost: cost(0.005), Currency: "USD"}, 0.02, 15},
		{"cost unknown", Spend{Tokens: 8}, 0.02, 8},
		{"another currency", Spend{Tokens: 8, Cost: cost(0.005), Currency: "EUR"}, 0.02, 8},
	} {
		t.Run(c.name, func(t *testing.T) {
			now := t0
			chk := checker(t, &now,
				catalog.Budget{Name: "money", Limit: 1, Period: "day"},
				catalog.Budget{Name: "tokens", Limit: 1000, Unit: "tokens", Period: "day"})
			r := memReserver{}
			chk.Reserve = r
			h, err := chk.Admit(context.Background(), call)
			if err != nil || h == nil {
				t.Fatalf("admit: %v, %v", h, err)
			}
			if err := h.Settle(context.Background(), c.spend); err != nil {
				t.Fatal(err)
			}
			var money, tokens float64
			for k, v := range r {
				if k[:5] == "money" {
					money = v
				} else {
					tokens = v
				}
			}
			if d := money - c.money; d > 1e-12 || d < -1e-12 || tokens != c.tokens {
				t.Errorf("reserved $%v and %v tokens, want $%v and %v", money, tokens, c.money, c.tokens)
			}
		})
	}
}

// A call one budget refuses leaves nothing reserved in the others.
func TestAdmitRefusedReleasesTheOthers(t *testing.T) {
	now := t0
	chk := checker(t, &now,
		catalog.Budget{Name: "a-roomy", Limit: 1000, Unit: "tokens", Period: "day"},
		catalog.Budget{Name: "b-tight", Limit: 10, Unit: "tokens", Period: "day"})
	r := memReserver{}
	chk.Reserve = r
	_, err := chk.Admit(context.Background(), Call{Profile: profile(), Key: "default", Model: "priced", PromptTokens: 10, MaxTokens: 5})
	if !errors.As(err, new(*Refused)) {
		t.Fatalf("%v, want refused by b-tight", err)
	}
	if len(r) != 1 {
		t.Fatalf("reservations %v, want a-roomy's, given back", r)
	}
	for k, v := range r {
		if v != 0 {
			t.Errorf("%s holds %v after the call was refused", k, v)
		}
	}
}
