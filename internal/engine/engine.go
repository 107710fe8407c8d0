// Package engine owns one call to a provider end to end: it resolves the
// profile's base URL and key, sends through internal/api (which classifies
// every response and retries as the provider's hints say), records the
// call's usage and the snapshot its responses gave in internal/store, and
// answers what is left through internal/overview. It also refreshes what
// can be learned without a chat (balance endpoints, GET /models, a probe).
//
// An Engine holds what a call needs (catalog, store, key source, clock,
// transport), all injected, and no state of its own between calls: many
// goroutines may use one Engine at once. It writes nothing to a terminal;
// the command layer formats what it returns.
package engine

import (
	"context"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/shared"
	"github.com/tier-cli/tier/internal/store"
	"github.com/tier-cli/tier/internal/usage"
)

// KeySource finds the secret of the key named name of profile p, to be sent
// to baseURL, and says where it came from ("env:VAR", "keyring", "file",
// "cmd"). The command layer's implementation caches per run and reminds of
// due rotations; its errors are returned unchanged.
type KeySource interface {
	Key(ctx context.Context, p *catalog.Profile, name, baseURL string) (key, source string, err error)
}

// Engine makes calls. Every field but Transport, KeyInfo and Builtin is
// required.
type Engine struct {
	Catalog *catalog.Catalog
	Store   *store.Store
	Keys    KeySource
	Now     func() time.Time
	Getenv  func(string) string
	// Transport replaces the network (tests); nil dials providers.
	Transport http.RoundTripper
	UserAgent string
	// KeyInfo is the metadata of a stored key, for what is left (credit
	// grants, creation time); nil knows none.
	KeyInfo func(provider, key string) (overview.KeyInfo, bool)
	// Builtin is the built-in catalog, so that a balance endpoint moves
	// with a base_url pointed at a proxy; nil leaves it where it is.
	Builtin func() *catalog.Catalog
	// Usage logs every call made (usage.go); nil logs none. Tag goes
	// with each (--tag, TIER_TAG).
	Usage *usage.Log
	Tag   string
	// Budget checks a call before it is sent and alerts after it
	// (usage.go); nil checks nothing.
	Budget *budget.Checker
	// Fleet shares what calls learn with other machines (fleet.go); nil
	// shares nothing.
	Fleet Fleet
}

// Target is what one call goes to: a provider, one of its keys by name
// ("" is keys.DefaultName), and a model.
type Target struct {
	Profile *catalog.Profile
	Key     string
	Model   string
}

func (t Target) key() string {
	if t.Key == "" {
		return keys.DefaultName
	}
	return t.Key
}

// Request is one chat call: the target, the messages and sampling
// (Chat.Model is Target.Model), and how to deliver and retry.
type Request struct {
	Target
	Chat    api.ChatRequest
	Options api.CallOptions
	// Kind is what the usage log calls it: usage.KindChat when "",
	// usage.KindBatch for a batch row.
	Kind string
}

// Result is what a call did.
type Result struct {
	// Reply is what arrived (possibly partial); never nil once a call
	// was made.
	Reply *api.Reply
	// Err is the call's failure: an *api.Error, api.OutputError, or the
	// context's error.
	Err error
	// Snapshot is what the last response said about quota, merged into
	// the store, for the provider, key and model called; nil when no
	// response arrived.
	Snapshot *quota.Snapshot
	// Learned says the response told something about quota and Snapshot
	// was recorded; false for a request refused as such (unknown model,
	// bad key) with no figures.
	Learned bool
	// Left is Snapshot completed with what tier knows besides (projection,
	// estimates, credit) when Learned: what is left.
	Left *quota.Snapshot
	// Unsaved says what could not be saved in the state directory and
	// why ("usage and quota not saved: ..."); "" when all was.
	Unsaved string
	// Alerts are the budget thresholds this call crossed, each once a
	// period, then those of the provider's windows and credit, each once
	// a window.
	Alerts []budget.Alert
	// Budgets are where tier's budgets in the call's scope stand after
	// it, for the quota line beside the provider's key cap.
	Budgets []budget.Standing
}

// ConfigError is a call that cannot be made as the profile stands (a base
// URL that does not resolve): the user's to fix, not the provider's.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Client builds an API client for profile p with the key named keyName:
// the demo provider's in process, counting in the store. No request is
// made; the key is resolved (an error is the KeySource's).
func (e *Engine) Client(ctx context.Context, p *catalog.Profile, keyName string) (*api.Client, error) {
	c, _, _, err := e.client(ctx, p, keyName)
	return c, err
}

// client is Client, and for the demo provider the counter its requests
// are counted with (nil for other providers), which says whether the
// counts could be saved; and the key's shared ID (shared.KeyID's form: a
// one-way hash, never the key).
func (e *Engine) client(ctx context.Context, p *catalog.Profile, keyName string) (*api.Client, *demoCounter, string, error) {
	base, err := p.ResolveBaseURL(e.Getenv)
	if err != nil {
		return nil, nil, "", &ConfigError{Err: err}
	}
	cfg := api.Config{
		Provider:  p.Name,
		KeyName:   keyName,
		BaseURL:   base,
		Dialect:   e.Catalog.Dialect(p.Dialect),
		Now:       e.Now,
		UserAgent: e.UserAgent,
		Transport: e.Transport,
	}
	if p.Demo {
		rpm, rpd := demoLimits(p)
		dc := &demoCounter{store: e.Store}
		cfg.Transport = (&api.Demo{Counter: dc, RPM: rpm, RPD: rpd, Now: e.Now}).Transport()
		return api.New(cfg), dc, "demo-" + keyName, nil
	}
	key, source, err := e.Keys.Key(ctx, p, keyName, base)
	if err != nil {
		return nil, nil, "", err
	}
	cfg.Key, cfg.KeySource = key, source
	if key != "" {
		cfg.KeyFingerprint = keys.Fingerprint(key)
	}
	return api.New(cfg), nil, shared.KeyID(key), nil
}

func demoLimits(p *catalog.Profile) (rpm, rpd int64) {
	rpm, rpd = 10, 50
	for _, l := range p.Limits {
		if l.RPM != nil {
			rpm = *l.RPM
		}
		if l.RPD != nil {
			rpd = *l.RPD
		}
	}
	return rpm, rpd
}

// Call makes one chat call: it resolves the key, sends, retries as
// req.Options and the provider's hints allow, records the usage and every
// response's snapshot, and completes the last one with what is left. The
// error is non-nil only when no call could be made (the base URL or the
// key) or a budget refused it (a *budget.Refused, before anything was
// sent); the call's own failure is Result.Err.
func (e *Engine) Call(ctx context.Context, req Request) (Result, error) {
	hold, err := e.checkBudget(ctx, req)
	if err != nil {
		return Result{}, err
	}
	cl, demo, kid, err := e.client(ctx, req.Profile, req.key())
	var ticket *shared.Ticket
	if err == nil {
		ticket, err = e.fleetBefore(ctx, req.Target, kid, fleetEstimate(req), req.Options)
	}
	if err != nil {
		// Never sent: what the budgets reserved for it goes back.
		hold.Settle(context.WithoutCancel(ctx), budget.Released())
		return Result{}, err
	}
	chat := req.Chat
	chat.Model = req.Model
	opts := req.Options
	var earlier error // the first failure to save a retried response's snapshot
	retried := opts.Retried
	opts.Retried = func(q quota.Result) {
		// A response that is retried (a 429, a 5xx) still says what is
		// left: recorded as it comes, so that the next one merges onto it.
		if s, ok := e.snapshot(req.Target, &q); ok {
			merged, err := e.Store.SaveSnapshotMerged(s)
			if err != nil && earlier == nil {
				earlier = err
			}
			e.fleetAfter(ctx, req.Target, kid, cl.KeyFingerprint(), &q, &merged, nil)
		}
		if retried != nil {
			retried(q)
		}
	}
	reply, callErr := cl.Chat(ctx, chat, opts)
	fleetLand(ctx, ticket, reply)
	res := e.record(req.Target, reply, demo.unsaved(), earlier)
	if reply != nil {
		var s *quota.Snapshot
		if res.Learned {
			s = res.Snapshot
		}
		e.fleetAfter(ctx, req.Target, kid, cl.KeyFingerprint(), reply.Quota, s, reply)
	}
	res.Unsaved = joinUnsaved(res.Unsaved, e.logCall(req.Target, req.Kind, cl, reply, callErr, hold))
	res.Alerts, res.Budgets = e.alerts(ctx, req.Target, reply, &res.Unsaved)
	res.Err = callErr
	if res.Learned {
		left := e.Overview().Complete(*res.Snapshot)
		res.Left = &left
		res.Alerts = append(res.Alerts, e.windowAlerts(ctx, left, &res.Unsaved)...)
	}
	return res, nil
}

// Record saves what a call that came back as reply did: its usage in the
// ledger when the provider answered (also when the reply was cut short;
// without the provider's usage, tokens are estimated from what was sent
// and what arrived), and the last response's snapshot, merged with what
// was stored, unless the request itself was refused with no figures.
func (e *Engine) Record(t Target, reply *api.Reply) Result {
	return e.record(t, reply, nil, nil)
}

// record is Record, with the error that saving the demo's counters met
// and the one that saving an earlier response's snapshot met, if any.
func (e *Engine) record(t Target, reply *api.Reply, demo, earlier error) (res Result) {
	var unsaved unsaved
	unsaved.note("demo counters", demo)
	res.Reply = reply
	defer func() {
		unsaved.note("quota", earlier)
		res.Unsaved = unsaved.message()
	}()
	if reply == nil {
		return res
	}
	now := e.Now()
	if reply.Wrote || (reply.Quota != nil && reply.Quota.Class == quota.ClassOK) {
		u := store.Usage{Provider: t.Profile.Name, Key: t.key(), Model: t.Model, At: now, Requests: 1}
		if reply.Usage != nil {
			u.PromptTokens = int64(reply.Usage.PromptTokens)
			u.CompletionTokens = int64(reply.Usage.CompletionTokens)
		} else {
			u.PromptTokens = int64(api.EstimateTokens(reply.Sent))
			u.CompletionTokens = int64(api.EstimateTokens(reply.Received))
		}
		// The ledger and the snapshots are files of their own, each
		// under its own lock: written at once, the second does not wait
		// for the first's rename (a chat's wall time is a target).
		done := make(chan error, 1)
		go func() { done <- e.Store.RecordUsage(u) }()
		snapshot := e.recordSnapshot(t, reply, now, &res)
		unsaved.note("usage", <-done)
		unsaved.note("first-use time", snapshot.seen)
		unsaved.note("quota", snapshot.quota)
		return res
	}
	snapshot := e.recordSnapshot(t, reply, now, &res)
	unsaved.note("first-use time", snapshot.seen)
	unsaved.note("quota", snapshot.quota)
	return res
}

// recordSnapshot saves the snapshot of reply's last response into res,
// merged with what was stored, unless the request itself was refused with
// no figures; it returns what it could not save.
func (e *Engine) recordSnapshot(t Target, reply *api.Reply, now time.Time, res *Result) (failed struct{ seen, quota error }) {
	if reply.Quota == nil {
		return failed
	}
	s, ok := e.snapshot(t, reply.Quota)
	res.Snapshot = &s
	if !ok {
		return failed // an unknown model or a refused key leaves no row in tier quota
	}
	res.Learned = true
	failed.seen = overview.MarkSeen(e.Store, t.Profile.Name, t.key(), now)
	merged, err := e.Store.SaveSnapshotMerged(s)
	if failed.quota = err; err == nil {
		*res.Snapshot = merged
	}
	return failed
}

// snapshot is what response q says about target t, and whether it is
// worth recording: a request refused as such (unknown model, bad key) with
// no figures is not.
func (e *Engine) snapshot(t Target, q *quota.Result) (quota.Snapshot, bool) {
	s := q.Snapshot
	s.Provider, s.Key, s.Model = t.Profile.Name, t.key(), t.Model
	if (q.Class == quota.ClassInvalid || q.Class == quota.ClassAuth) && len(s.Windows) == 0 && s.Credit == nil {
		return s, false
	}
	return s, true
}

// Overview is what is left, from local state, as of now.
func (e *Engine) Overview() overview.Source {
	return overview.Source{Catalog: e.Catalog, Store: e.Store, Now: e.Now(), Keys: e.KeyInfo, FirstSeen: overview.FirstSeen(e.Store)}
}

// Models lists profile p's live models with the key named keyName (GET
// /models), for models.List.
func (e *Engine) Models(ctx context.Context, p *catalog.Profile, keyName string) ([]openai.Model, *quota.Result, error) {
	cl, err := e.Client(ctx, p, keyName)
	if err != nil {
		return nil, nil, err
	}
	return cl.Models(ctx)
}
