package engine

import (
	"context"
	"errors"
	"net"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/usage"
)

// entry is the usage log's row for a call to t that came back as reply
// with callErr: tokens as reported (else estimated from the bytes), cost
// as reported (else at the catalog's price, else unknown).
func (e *Engine) entry(t Target, kind, fingerprint string, reply *api.Reply, callErr error) usage.Entry {
	if kind == "" {
		kind = usage.KindChat
	}
	u := usage.Entry{At: e.Now(), Kind: kind, Provider: t.Profile.Name, Key: t.key(), Model: t.Model,
		LatencyMS: reply.Latency.Milliseconds(), Outcome: outcome(reply, callErr), Tag: e.Tag, Fingerprint: fingerprint}
	var reported *float64
	switch {
	case reply.Usage != nil:
		u.PromptTokens = int64(reply.Usage.PromptTokens)
		u.CompletionTokens = int64(reply.Usage.CompletionTokens)
		reported = reply.Usage.Cost
	case reply.Wrote || (reply.Quota != nil && reply.Quota.Class == quota.ClassOK):
		u.PromptTokens = int64(api.EstimateTokens(reply.Sent))
		u.CompletionTokens = int64(api.EstimateTokens(reply.Received))
		u.TokensEstimated = true
	}
	u.SetCost(t.Profile, reported)
	if u.PromptTokens == 0 && u.CompletionTokens == 0 && reported == nil {
		// Refused before any work (a 429, a bad key): nothing was billed.
		zero := 0.0
		u.Cost, u.CostEstimated = &zero, false
		if u.Currency == "" {
			u.Currency = "USD"
		}
	}
	return u
}

// logCall logs the call in the usage log, when there is one and a call was
// made, and settles what the budgets reserved for it (hold) at its actual
// cost; it returns what could not be saved ("" when all was).
func (e *Engine) logCall(t Target, kind string, cl *api.Client, reply *api.Reply, callErr error, hold *budget.Hold) string {
	if reply == nil {
		hold.Settle(context.Background(), budget.Released())
		return ""
	}
	if e.Usage == nil && hold == nil {
		return ""
	}
	entry := e.entry(t, kind, cl.KeyFingerprint(), reply, callErr)
	var u unsaved
	u.note("budget reservation", hold.Settle(context.Background(), spend(reply, callErr, entry)))
	if e.Usage != nil {
		u.note("usage log", e.Usage.Append(entry))
	}
	return u.message()
}

// spend is what a call that came back as reply with callErr (logged as
// u) cost, as far as its budget reservation goes: released when it was
// never sent (the connection refused, no such host) or refused before any
// work (a 401, a 429, any non-2xx status); kept at the worst case when it
// may have been billed for more than is known (a 2xx cut short or
// interrupted, a network failure after the request may have left, usage
// the provider did not report); else its tokens and cost as logged (the
// provider's reported cost, else the catalog's price of its usage).
func spend(reply *api.Reply, callErr error, u usage.Entry) budget.Spend {
	switch {
	case reply.Quota == nil:
		if neverSent(callErr) {
			return budget.Released()
		}
		return budget.Spend{Keep: true}
	case reply.Quota.Class != quota.ClassOK && !reply.Wrote:
		if reply.Usage != nil && reply.Usage.Cost != nil {
			return budget.Spend{Tokens: u.PromptTokens + u.CompletionTokens, Cost: u.Cost, Currency: u.Currency}
		}
		return budget.Released()
	case callErr != nil, reply.Usage == nil, u.TokensEstimated:
		return budget.Spend{Keep: true}
	}
	return budget.Spend{Tokens: u.PromptTokens + u.CompletionTokens, Cost: u.Cost, Currency: u.Currency}
}

// neverSent says err is a failure before the request could leave: the
// connection refused or the host unknown.
func neverSent(err error) bool {
	var oe *net.OpError
	var de *net.DNSError
	return (errors.As(err, &oe) && oe.Op == "dial") || errors.As(err, &de)
}

// outcome is the class of the call's result: "ok", a quota.Class,
// "stream_cut", "interrupted" or "output".
func outcome(reply *api.Reply, err error) string {
	var ae *api.Error
	var oe *api.OutputError
	switch {
	case err == nil:
		return string(quota.ClassOK)
	case errors.As(err, &ae):
		if ae.StreamCut {
			return "stream_cut"
		}
		return string(ae.Class)
	case errors.As(err, &oe):
		return "output"
	case reply.Quota == nil:
		return string(quota.ClassNetwork)
	}
	return "interrupted"
}

// checkBudget refuses req (a *budget.Refused) when its worst case could
// pass --max-cost or a hard budget in its scope; else it is what shared
// budgets reserved for it (nil: none), to be settled after the call.
func (e *Engine) checkBudget(ctx context.Context, req Request) (*budget.Hold, error) {
	if !e.Budget.Active() {
		return nil, nil
	}
	sent := 0
	for _, m := range req.Chat.Messages {
		sent += len(m.Content)
	}
	return e.Budget.Admit(ctx, budget.Call{Profile: req.Profile, Key: req.key(), Model: req.Model, Tag: e.Tag,
		PromptTokens: int64(api.EstimateTokens(sent)), MaxTokens: int64(req.Chat.MaxTokens), Kind: req.Kind})
}

// alerts are the budget thresholds the call just logged crossed, and
// where the budgets in its scope stand; what could not be read or saved
// is added to *unsavedMsg.
func (e *Engine) alerts(ctx context.Context, t Target, reply *api.Reply, unsavedMsg *string) ([]budget.Alert, []budget.Standing) {
	if reply == nil || e.Usage == nil || e.Budget == nil {
		return nil, nil
	}
	alerts, standing, err := e.Budget.Settle(ctx, t.Profile.Name, t.key(), e.Tag)
	var u unsaved
	u.note("budget alerts", err)
	*unsavedMsg = joinUnsaved(*unsavedMsg, u.message())
	return alerts, standing
}

// windowAlerts are the thresholds of providers.yaml's alerts that what is
// left after the call crossed; what could not be read or saved is added
// to *unsavedMsg.
func (e *Engine) windowAlerts(ctx context.Context, left quota.Snapshot, unsavedMsg *string) []budget.Alert {
	if e.Budget == nil || e.Budget.Windows == nil {
		return nil
	}
	alerts, err := e.Budget.WindowAlerts(ctx, left)
	var u unsaved
	u.note("quota alerts", err)
	*unsavedMsg = joinUnsaved(*unsavedMsg, u.message())
	return alerts
}

// joinUnsaved is both messages of what was not saved, "" when neither.
func joinUnsaved(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
