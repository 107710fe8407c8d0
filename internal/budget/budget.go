// Package budget owns tier's own caps on its calls: the budgets of
// providers.yaml (catalog.Budget) and of budgets.json in the config
// directory (tier budget set/rm), what a call can cost at worst, the check
// before a call is sent (a hard budget it could pass refuses it; nothing
// is sent), and the alerts once a period at each threshold after it,
// with the optional alert_cmd. What was spent comes from the usage log
// (internal/usage). It knows nothing of cobra or of terminals.
package budget

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/usage"
)

// DefaultMaxOutput is the reply a call without max_tokens is assumed to
// reach at worst, in tokens (fewer when the model's context is smaller).
const DefaultMaxOutput = 4096

// AlertTimeout bounds an alert_cmd.
var AlertTimeout = 10 * time.Second

// Call is what a call about to be sent could spend.
type Call struct {
	Profile      *catalog.Profile
	Key, Model   string
	Tag          string
	PromptTokens int64 // estimated from what is sent
	MaxTokens    int64 // 0: DefaultMaxOutput
	// Kind is what the usage log calls the call (usage.KindBatch: a
	// batch row, whose max_tokens is the row's, not a flag's).
	Kind string
}

// lowerMaxTokens is how a refusal of c says to ask for a shorter reply.
func (c Call) lowerMaxTokens() string {
	if c.Kind == usage.KindBatch {
		return "lower the rows' max_tokens"
	}
	return "lower --max-tokens"
}

// Worst is the most a call can spend: its tokens, and its cost at the
// catalog's price (Known false when there is none).
type Worst struct {
	Tokens   int64
	Cost     float64
	Currency string
	Known    bool
}

// WorstCase is the most c can spend: its prompt and its whole max_tokens
// (else the model's context or DefaultMaxOutput) at the catalog's price.
func WorstCase(c Call) Worst {
	out := c.MaxTokens
	if out <= 0 {
		out = DefaultMaxOutput
		if ctx := contextLength(c.Profile, c.Model); ctx > 0 && ctx-c.PromptTokens < out {
			out = max(ctx-c.PromptTokens, 1)
		}
	}
	w := Worst{Tokens: c.PromptTokens + out}
	w.Cost, w.Currency, w.Known = usage.Cost(usage.Price(c.Profile, c.Model), c.PromptTokens, out)
	return w
}

func contextLength(p *catalog.Profile, model string) int64 {
	if p == nil {
		return 0
	}
	for _, m := range p.Models {
		if m.ID == model {
			return int64(m.ContextLength)
		}
	}
	return 0
}

// Refused is a call a budget (or --max-cost) does not let through: exit
// code 7, "tier's own budget reached". Nothing was sent.
type Refused struct {
	Budget string // "" for --max-cost
	Msg    string
}

func (r *Refused) Error() string { return r.Msg }

// Alert kinds: what crossed a threshold.
const (
	KindBudget = "budget" // one of tier's budgets, once a period
	KindWindow = "window" // a provider's rate-limit window, once a window
	KindCredit = "credit" // a provider's credit, once until it is topped up
)

// Alert is a threshold crossed: of a budget once a period, of a
// provider's window once a window, of its credit once.
type Alert struct {
	Kind string `json:"kind"`
	// Budget names the budget (KindBudget).
	Budget string `json:"budget,omitempty"`
	// Provider, Key, Model and Metric say whose window or credit
	// (KindWindow, KindCredit).
	Provider  string    `json:"provider,omitempty"`
	Key       string    `json:"key,omitempty"`
	Model     string    `json:"model,omitempty"`
	Metric    string    `json:"metric,omitempty"`
	Threshold int       `json:"threshold"` // percent
	Spent     float64   `json:"spent"`     // used, for a window or credit
	Limit     float64   `json:"limit"`
	Unit      string    `json:"unit"`
	Period    string    `json:"period,omitempty"` // "" for credit
	Resets    time.Time `json:"resets,omitzero"`  // zero for a total
	Mode      string    `json:"mode,omitempty"`   // a budget's
	// CmdError says why the alert_cmd failed ("" when it ran or there is none).
	CmdError string `json:"alert_cmd_error,omitempty"`
}

// Text is the alert for people: "budget ci: 80% reached ($1.62 of $2 this month, resets Jan 1)".
func (a Alert) Text() string {
	if a.Kind == KindWindow || a.Kind == KindCredit {
		return a.windowText()
	}
	s := fmt.Sprintf("budget %s: %d%% reached (%s of %s %s", a.Budget, a.Threshold, amount(a.Spent, a.Unit), amount(a.Limit, a.Unit), periodText(a.Period))
	if !a.Resets.IsZero() {
		s += ", resets " + a.Resets.Format("Jan 2 15:04")
	}
	s += ")"
	if a.Threshold >= 100 && a.Mode == "hard" {
		s += ": further calls in its scope are refused (exit 7)"
	}
	if a.CmdError != "" {
		s += "; alert_cmd failed: " + a.CmdError
	}
	return s
}

func periodText(p string) string {
	switch p {
	case "total":
		return "in total"
	case "day":
		return "today"
	}
	return "this " + p
}

func amount(v float64, unit string) string {
	if unit == "tokens" {
		return usage.Tokens(int64(math.Round(v))) + " tokens"
	}
	return usage.Money(v, unit)
}

// Checker checks calls against budgets. Budgets are normalized by New.
type Checker struct {
	Budgets []catalog.Budget
	Log     *usage.Log
	Now     func() time.Time
	Loc     *time.Location // periods start at its midnight; nil is time.Local
	// MaxCost, when set, is the most one call may cost at worst (--max-cost).
	MaxCost *float64
	// Windows are the thresholds of the provider's own windows and
	// credit (providers.yaml's alerts); nil alerts none (windows.go).
	Windows *catalog.Alerts
	// Environ is the environment alert_cmd runs with (plus TIER_ALERT_*),
	// Output where its output goes (nil: nowhere).
	Environ []string
	Output  io.Writer
	// Reserve, when set (TIER_SHARED), makes a hard budget's check an
	// atomic reservation shared by every process and machine: nil checks
	// local spend only.
	Reserve Reserver
}

// Reserver reserves amount of a budget's period (named key, ending at
// until; zero: never) for one call, atomically: false when spend (at
// least floor, what the local usage log says) plus what is reserved plus
// amount would pass limit. Correct moves what key holds by delta once the
// call is back (its actual cost less what was reserved: negative credits
// back), atomically, never below 0.
type Reserver interface {
	Reserve(ctx context.Context, key string, limit, floor, amount float64, until time.Time) (bool, error)
	Correct(ctx context.Context, key string, delta float64) error
}

// Hold is what a call reserved of the shared budgets in its scope
// (Checker.Admit), to be settled once it is back. A process killed
// between the two leaves its reservations at their worst case until the
// period ends: the fleet then errs on the side of the limit, which is
// what a hard budget is for.
type Hold struct {
	r    Reserver
	held []held
}

type held struct {
	key    string
	unit   string // a currency, or "tokens"
	amount float64
}

// Spend is what a call actually cost, for Hold.Settle.
type Spend struct {
	// Keep says the call may have been billed up to its worst case (a
	// 2xx cut short, a network failure after the request may have left,
	// usage the provider did not report): the reservation stands.
	Keep bool
	// Tokens are the prompt and completion tokens the provider counted
	// (0 for a call refused before any work).
	Tokens int64
	// Cost is the call's cost in Currency (as reported, else at the
	// catalog's price); nil when unknown, which keeps a currency
	// budget's reservation.
	Cost     *float64
	Currency string
}

// Released is the Spend of a call that was never sent or refused before
// any work (connection refused, 401, 429): nothing billed.
func Released() Spend {
	zero := 0.0
	return Spend{Cost: &zero}
}

// Settle corrects each reservation of h to what the call actually cost
// (released entirely when nothing was billed; left at the worst case when
// s.Keep or the cost is unknown). A nil Hold settles nothing.
func (h *Hold) Settle(ctx context.Context, s Spend) error {
	if h == nil || s.Keep {
		return nil
	}
	var first error
	for _, r := range h.held {
		var actual float64
		switch {
		case r.unit == "tokens":
			actual = float64(s.Tokens)
		case s.Cost == nil || (s.Currency != r.unit && *s.Cost != 0):
			continue // unknown, or in another currency: the worst case stands
		default:
			actual = *s.Cost
		}
		if delta := actual - r.amount; delta != 0 {
			if err := h.r.Correct(ctx, r.key, delta); err != nil && first == nil {
				first = err
			}
		}
	}
	h.held = nil
	return first
}

// Active says whether there is anything to check.
func (c *Checker) Active() bool { return c != nil && (len(c.Budgets) > 0 || c.MaxCost != nil) }

// applies says budget b covers calls to provider/key with tag.
func applies(b catalog.Budget, provider, key, tag string) bool {
	return (b.Provider == "" || b.Provider == provider) && (b.Key == "" || b.Key == key) && (b.Tag == "" || b.Tag == tag)
}

// Start is when the period of b that holds now began, and when it ends
// (both zero for a total).
func Start(period string, now time.Time, loc *time.Location) (time.Time, time.Time) {
	if loc == nil {
		loc = time.Local
	}
	t := now.In(loc)
	y, m, d := t.Date()
	switch period {
	case "day":
		s := time.Date(y, m, d, 0, 0, 0, 0, loc)
		return s, s.AddDate(0, 0, 1)
	case "week":
		s := time.Date(y, m, d-(int(t.Weekday())+6)%7, 0, 0, 0, 0, loc)
		return s, s.AddDate(0, 0, 7)
	case "month":
		s := time.Date(y, m, 1, 0, 0, 0, 0, loc)
		return s, s.AddDate(0, 1, 0)
	}
	return time.Time{}, time.Time{}
}

// Spent is what the calls in b's scope spent in its current period, in
// b's unit (calls with no known cost or in another currency count 0:
// unknown says how many), from db.
func Spent(db *usage.DB, b catalog.Budget, now time.Time, loc *time.Location) (spent float64, unknown int64, err error) {
	start, _ := Start(b.Period, now, loc)
	return spentSince(db, b, start)
}

// spentSince is what the calls in b's scope spent since start (from the
// start of its quarter hour).
func spentSince(db *usage.DB, b catalog.Budget, start time.Time) (spent float64, unknown int64, err error) {
	q := `SELECT coalesce(sum(prompt_tokens + completion_tokens), 0), coalesce(sum(CASE WHEN currency = ? THEN cost END), 0),
		coalesce(sum(CASE WHEN currency IN (?, '') THEN unknown_cost ELSE requests END), 0)
		FROM slots WHERE slot >= ?`
	args := []any{b.Unit, b.Unit, start.UnixMilli() / (15 * 60 * 1000)}
	if b.Provider != "" {
		q += ` AND provider = ?`
		args = append(args, b.Provider)
	}
	if b.Key != "" {
		q += ` AND key_name = ?`
		args = append(args, b.Key)
	}
	if b.Tag != "" {
		q += ` AND tag = ?`
		args = append(args, b.Tag)
	}
	var tokens int64
	var cost float64
	if err := db.SQL().QueryRow(q, args...).Scan(&tokens, &cost, &unknown); err != nil {
		return 0, 0, err
	}
	if b.Tokens() {
		return float64(tokens), 0, nil
	}
	return math.Round(cost*1e9) / 1e9, unknown, nil
}

// Check refuses call c (a *Refused) when its worst case exceeds
// --max-cost or would take a hard budget in its scope past its limit. It
// opens the usage log only when a budget applies. What it reserves of
// shared budgets stays at the worst case: Admit is for a call whose
// actual cost will be known.
func (c *Checker) Check(ctx context.Context, call Call) error {
	_, err := c.Admit(ctx, call)
	return err
}

// Admit is Check, and the hold on the shared budgets' spend it took
// (nil when none): the caller settles it once the call is back
// (Hold.Settle), correcting each reservation to the actual cost. When it
// refuses, nothing stays reserved.
func (c *Checker) Admit(ctx context.Context, call Call) (_ *Hold, err error) {
	if !c.Active() {
		return nil, nil
	}
	var hold *Hold
	defer func() {
		if err != nil && hold != nil {
			// Refused by a later budget: give back what earlier ones took.
			hold.Settle(context.WithoutCancel(ctx), Released())
			hold = nil
		}
	}()
	w := WorstCase(call)
	if c.MaxCost != nil {
		switch {
		case !w.Known:
			return nil, &Refused{Msg: fmt.Sprintf("--max-cost %s: the price of %s on %s is not known, so its cost cannot be bounded: add a price to providers.yaml or leave --max-cost out", strconv.FormatFloat(*c.MaxCost, 'f', -1, 64), call.Model, call.Profile.Name)}
		case w.Cost > *c.MaxCost:
			return nil, &Refused{Msg: fmt.Sprintf("this call could cost up to %s (%d prompt tokens + %d max output at the catalog's price), more than --max-cost %s: %s or raise --max-cost",
				usage.Money(w.Cost, w.Currency), call.PromptTokens, w.Tokens-call.PromptTokens, usage.Money(*c.MaxCost, w.Currency), call.lowerMaxTokens())}
		}
	}
	var db *usage.DB
	defer func() {
		if db != nil {
			db.Close()
		}
	}()
	for _, b := range c.Budgets {
		if b.Mode != "hard" || !applies(b, call.Profile.Name, call.Key, call.Tag) {
			continue
		}
		if db == nil {
			var err error
			if db, err = c.Log.Open(); err != nil {
				return nil, err
			}
		}
		spent, _, err := Spent(db, b, c.Now(), c.Loc)
		if err != nil {
			return nil, err
		}
		var worst float64
		switch {
		case b.Tokens():
			worst = float64(w.Tokens)
		case !w.Known:
			return nil, &Refused{Budget: b.Name, Msg: fmt.Sprintf("budget %s (hard, %s %s): the price of %s on %s is not known, so this call cannot be kept within it: add a price to providers.yaml or make the budget soft", b.Name, amount(b.Limit, b.Unit), periodText(b.Period), call.Model, call.Profile.Name)}
		case w.Currency != b.Unit:
			continue // priced in another currency: not this budget's
		default:
			worst = w.Cost
		}
		over := spent+worst > b.Limit
		if !over && c.Reserve != nil {
			start, end := Start(b.Period, c.Now(), c.Loc)
			key := b.Name + ":" + b.Period + ":" + strconv.FormatInt(start.Unix(), 10)
			ok, err := c.Reserve.Reserve(ctx, key, b.Limit, spent, worst, end)
			if err != nil {
				return nil, err
			}
			over = !ok
			if ok {
				if hold == nil {
					hold = &Hold{r: c.Reserve}
				}
				hold.held = append(hold.held, held{key: key, unit: b.Unit, amount: worst})
			}
		}
		if over {
			_, end := Start(b.Period, c.Now(), c.Loc)
			resets := ""
			if !end.IsZero() {
				resets = ", resets " + end.Format("Jan 2 15:04")
			}
			return nil, &Refused{Budget: b.Name, Msg: fmt.Sprintf("budget %s reached: %s of %s spent %s%s, and this call could take up to %s: nothing was sent (raise it with 'tier budget set %s --limit N', or %s)",
				b.Name, amount(spent, b.Unit), amount(b.Limit, b.Unit), periodText(b.Period), resets, amount(worst, b.Unit), b.Name, call.lowerMaxTokens())}
		}
	}
	return hold, nil
}

// Standing is where a budget in a call's scope stands after it: for the
// quota line, beside the provider's own key cap.
type Standing struct {
	Name   string
	Spent  float64
	Limit  float64
	Unit   string
	Period string
	Mode   string
}

// Segment is s for the quota line: "budget ci $0.40 of $2 today".
func (s Standing) Segment() string {
	return fmt.Sprintf("budget %s %s of %s %s", s.Name, amount(s.Spent, s.Unit), amount(s.Limit, s.Unit), periodText(s.Period))
}

// After records what the budgets in the scope of a call just logged have
// reached: each threshold crossed (alert_at and 100 %) alerts once a
// period, across processes (the usage log's alerts table), the highest
// one per budget returned and its alert_cmd run.
func (c *Checker) After(ctx context.Context, provider, key, tag string) ([]Alert, error) {
	alerts, _, err := c.Settle(ctx, provider, key, tag)
	return alerts, err
}

// Settle is After, and where each budget in the call's scope stands.
func (c *Checker) Settle(ctx context.Context, provider, key, tag string) ([]Alert, []Standing, error) {
	if c == nil || len(c.Budgets) == 0 {
		return nil, nil, nil
	}
	var standing []Standing
	var db *usage.DB
	defer func() {
		if db != nil {
			db.Close()
		}
	}()
	var alerts []Alert
	now := c.Now()
	for _, b := range c.Budgets {
		if !applies(b, provider, key, tag) {
			continue
		}
		if db == nil {
			var err error
			if db, err = c.Log.Open(); err != nil {
				return alerts, standing, err
			}
		}
		spent, _, err := Spent(db, b, now, c.Loc)
		if err != nil {
			return alerts, standing, err
		}
		standing = append(standing, Standing{Name: b.Name, Spent: spent, Limit: b.Limit, Unit: b.Unit, Period: b.Period, Mode: b.Mode})
		pct := spent / b.Limit * 100
		start, end := Start(b.Period, now, c.Loc)
		thresholds := append(slices.Clone(b.AlertAt), 100)
		slices.Sort(thresholds)
		best := 0
		for _, t := range slices.Compact(thresholds) {
			if pct < float64(t) {
				break
			}
			res, err := db.SQL().Exec(`INSERT OR IGNORE INTO alerts (budget, period_start, threshold, at) VALUES (?, ?, ?, ?)`,
				b.Name, start.UnixMilli(), t, now.UnixMilli())
			if err != nil {
				return alerts, standing, err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				best = t
			}
		}
		if best == 0 {
			continue
		}
		a := Alert{Kind: KindBudget, Budget: b.Name, Threshold: best, Spent: spent, Limit: b.Limit, Unit: b.Unit, Period: b.Period, Resets: end, Mode: b.Mode}
		alerts = append(alerts, c.alert(ctx, b.AlertCmd, a))
	}
	return alerts, standing, nil
}

// alert is a with the failure of its cmd, run when there is one.
func (c *Checker) alert(ctx context.Context, cmd string, a Alert) Alert {
	if cmd != "" {
		if err := c.runAlert(ctx, cmd, a); err != nil {
			a.CmdError = err.Error()
		}
	}
	return a
}

// runAlert runs cmd (sh -c) with the alert in its environment, within
// AlertTimeout; its output goes to tier's stderr.
func (c *Checker) runAlert(ctx context.Context, cmd string, a Alert) error {
	ctx, cancel := context.WithTimeout(ctx, AlertTimeout)
	defer cancel()
	x := exec.CommandContext(ctx, "sh", "-c", cmd)
	x.Env = append(slices.Clone(c.Environ),
		"TIER_ALERT_KIND="+a.Kind,
		"TIER_ALERT_BUDGET="+a.Budget,
		"TIER_ALERT_THRESHOLD="+strconv.Itoa(a.Threshold),
		"TIER_ALERT_SPENT="+strconv.FormatFloat(a.Spent, 'f', -1, 64),
		"TIER_ALERT_LIMIT="+strconv.FormatFloat(a.Limit, 'f', -1, 64),
		"TIER_ALERT_UNIT="+a.Unit,
		"TIER_ALERT_PERIOD="+a.Period,
		"TIER_ALERT_MESSAGE="+a.Text(),
	)
	if a.Kind != KindBudget {
		x.Env = append(x.Env, "TIER_ALERT_PROVIDER="+a.Provider, "TIER_ALERT_KEY="+a.Key, "TIER_ALERT_MODEL="+a.Model, "TIER_ALERT_METRIC="+a.Metric)
	}
	if !a.Resets.IsZero() {
		x.Env = append(x.Env, "TIER_ALERT_RESETS="+a.Resets.UTC().Format(time.RFC3339))
	}
	x.Stdout, x.Stderr = c.Output, c.Output
	x.WaitDelay = time.Second
	err := x.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("no end within %s", AlertTimeout)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return fmt.Errorf("exit %d", ee.ExitCode())
	}
	return err
}

// Describe is b's scope for people: "all calls", "groq", "groq key ci", "tag nightly".
func Describe(b catalog.Budget) string {
	var parts []string
	if b.Provider != "" {
		parts = append(parts, b.Provider)
	}
	if b.Key != "" {
		parts = append(parts, "key "+b.Key)
	}
	if b.Tag != "" {
		parts = append(parts, "tag "+b.Tag)
	}
	if len(parts) == 0 {
		return "all calls"
	}
	return strings.Join(parts, " ")
}
