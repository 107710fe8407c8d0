// Package quota owns tier's picture of "what is left": it turns whatever a
// provider sends back (rate-limit headers in several dialects, 429/402 error
// bodies, balance endpoints) into one normalized Snapshot, classifies each
// outcome, and projects a stored snapshot past its reset times.
//
// The package knows nothing of HTTP clients, the catalog file or the CLI: it
// takes a status, headers, a body, a Dialect and the arrival time, and it
// returns data.
package quota

import (
	"strings"
	"time"
)

// Metric names. A provider may report its own unit (e.g. "neurons"), so a
// Window's Metric is a free-form lower-case word; these are the common ones.
const (
	Requests = "requests"
	Tokens   = "tokens"
	// InputTokens and OutputTokens are buckets metered apart from Tokens
	// (Anthropic's ITPM and OTPM).
	InputTokens  = "input_tokens"
	OutputTokens = "output_tokens"
)

// Periods. PeriodUnknown is used when neither the header name nor the
// catalog says which window a figure belongs to.
const (
	PeriodMinute  = "minute"
	PeriodHour    = "hour"
	PeriodDay     = "day"
	PeriodMonth   = "month"
	PeriodUnknown = "unknown"
)

// Sources say where a figure comes from.
const (
	SourceHeader    = "header"    // a response header
	SourceError     = "error"     // an error body (429, 402, ...)
	SourceBalance   = "balance"   // a provider's balance endpoint
	SourceEstimate  = "estimate"  // counted by tier from its own usage ledger
	SourceProjected = "projected" // a stored figure carried past its reset
	SourceGrant     = "grant"     // a credit grant recorded by the user or the catalog
	// SourceLearned: a limit an error body named (Gemini's QuotaFailure),
	// kept after its window ended; it has no remaining and no reset.
	SourceLearned = "learned"
)

// Window is one rate-limit window as last seen. Pointer fields are nil when
// the provider did not report them: "not reported" is never 0.
type Window struct {
	Metric    string     `json:"metric"`
	Period    string     `json:"period"`
	Limit     *int64     `json:"limit,omitempty"`
	Remaining *int64     `json:"remaining,omitempty"`
	ResetAt   *time.Time `json:"reset_at,omitempty"`
	Source    string     `json:"source"`
	// ObservedAt is when this window's figures were seen, when that is
	// earlier than the snapshot's observed_at (a window the newest reply
	// did not repeat, kept until its reset); nil means the snapshot's.
	ObservedAt *time.Time `json:"observed_at,omitempty"`
	// LearnedAt is when the limit was learned from an error body, for a
	// limit no header or catalog gives (source "learned", or an "estimate"
	// made from it).
	LearnedAt *time.Time `json:"learned_at,omitempty"`
	// RunsOutAt is when the window runs out at the pace of tier's calls of
	// the last hour (BurnPerHour, in the metric's unit), when that is
	// before its reset: an estimate (internal/usage.Runway).
	RunsOutAt   *time.Time `json:"runs_out_at,omitempty"`
	BurnPerHour *float64   `json:"burn_per_hour,omitempty"`
}

// Label names the window in words: "input tokens per minute", "requests
// per day", "tokens" when the period is unknown.
func (w Window) Label() string {
	m := strings.ReplaceAll(w.Metric, "_", " ")
	if w.Period == "" || w.Period == PeriodUnknown {
		return m
	}
	return m + " per " + w.Period
}

// Credit is a money or token balance, with its expiry when known.
type Credit struct {
	Remaining *float64   `json:"remaining,omitempty"`
	Granted   *float64   `json:"granted,omitempty"`
	Unit      string     `json:"unit,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Source    string     `json:"source"`
	// GrantedRemaining and ToppedUpRemaining split Remaining into what is
	// left of free grants and of money paid in, when the provider says
	// (DeepSeek's granted_balance and topped_up_balance).
	GrantedRemaining  *float64 `json:"granted_remaining,omitempty"`
	ToppedUpRemaining *float64 `json:"topped_up_remaining,omitempty"`
	// LastsUntil is when the credit runs out at the pace of tier's calls
	// of the last 7 days (BurnPerDay, in Unit): an estimate.
	LastsUntil *time.Time `json:"lasts_until,omitempty"`
	BurnPerDay *float64   `json:"burn_per_day,omitempty"`
}

// Budget is a spending cap set on a key (OpenRouter's /key "limit"): what
// the key may still spend, not money in the account. Pointer fields are nil
// when not reported.
type Budget struct {
	Limit     *float64 `json:"limit,omitempty"`
	Remaining *float64 `json:"remaining,omitempty"`
	// Used is what the key spent in the current period (all time when the
	// cap never resets).
	Used *float64 `json:"used,omitempty"`
	Unit string   `json:"unit,omitempty"`
	// Period is how often the cap resets: "day", "week", "month"; "" when
	// it never does.
	Period  string     `json:"period,omitempty"`
	ResetAt *time.Time `json:"reset_at,omitempty"`
	Source  string     `json:"source"`
}

// project returns a copy of b as it stands at now: past its reset, the
// whole limit is left again (Source "projected"), the next reset unknown.
func (b *Budget) project(now time.Time) *Budget {
	c := b.Clone()
	if c.ResetAt != nil && !c.ResetAt.After(now) {
		c.Remaining, c.Used, c.ResetAt = clonePtr(c.Limit), ptr(0.0), nil
		c.Source = SourceProjected
	}
	return c
}

// Snapshot is the normalized picture of one provider/key/model at one moment.
// Its JSON form is a public contract (chat --json, quota --json, scripts).
type Snapshot struct {
	Provider    string    `json:"provider"`
	Key         string    `json:"key,omitempty"`
	Model       string    `json:"model,omitempty"`
	ObservedAt  time.Time `json:"observed_at"`
	Windows     []Window  `json:"windows"`
	RetryAfterS *float64  `json:"retry_after_s,omitempty"`
	Credit      *Credit   `json:"credit,omitempty"`
	Budget      *Budget   `json:"budget,omitempty"`
	// Shared says the figures came from the fleet's shared state
	// (TIER_SHARED): who saw them when; nil for this machine's own.
	Shared *Shared `json:"shared,omitempty"`
}

// Shared is who in a fleet saw a snapshot, and when: a host name and the
// key's fingerprint, never the key.
type Shared struct {
	Host        string    `json:"host"`
	At          time.Time `json:"at"`
	Fingerprint string    `json:"fingerprint,omitempty"`
}

// Class is what kind of outcome a response was.
type Class string

const (
	ClassOK             Class = "ok"
	ClassRateLimited    Class = "rate_limited"    // retryable; see Result.RetryAfter
	ClassQuotaExhausted Class = "quota_exhausted" // 402, insufficient_quota, a far-off window at 0
	ClassAuth           Class = "auth"            // 401, 403
	ClassInvalid        Class = "invalid_request" // 400, 404, 422: the request itself is wrong
	ClassServer         Class = "server"          // 5xx
	ClassNetwork        Class = "network"         // no response at all
)

// Response is the raw material of one HTTP exchange, captured at arrival.
type Response struct {
	Status int
	Header map[string][]string // http.Header; names in any case
	Body   []byte              // error bodies; may be nil for successes
	At     time.Time           // when the response arrived
}

// Result is the parsed outcome of one Response.
type Result struct {
	Class    Class
	Snapshot Snapshot // Provider/Key/Model are left for the caller to fill
	// RetryAfter is how long to wait before retrying, from Retry-After,
	// retry-after-ms, a hint in the error body, or the reset of the window
	// that ran out, in that order; 0 when nothing says.
	RetryAfter time.Duration
	// Exhausted is the window that ran out, when one is known.
	Exhausted *Window
	// Message is the provider's own error message, trimmed to one line.
	Message string
	// Reason says in tier's words what ran out when it is the account or
	// the money rather than a window ("the account is suspended ...",
	// "the credit left pays for at most 9011 tokens: ..."); "" otherwise.
	Reason string
}
