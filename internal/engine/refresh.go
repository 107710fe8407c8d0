package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/usage"
)

// RefreshRequest says what to ask without a chat.
type RefreshRequest struct {
	// Providers are the names to ask; none asks every provider that has a
	// key (the demo only when named).
	Providers []string
	Key       string // "" is keys.DefaultName
	// Probe also spends one minimal chat request (one output token) on
	// providers that report their limits only on chat replies, with Model
	// ("" the provider's default).
	Probe   bool
	Model   string
	Timeout time.Duration // per provider; must be more than 0
}

// Refreshed is what refreshing one provider did.
type Refreshed struct {
	Provider string
	// Asked says a key was found and the provider was asked.
	Asked bool
	// Messages say what was learned or why nothing was, one each.
	Messages []string
	// Unsaved says what state a probe could not save ("" when all was).
	Unsaved string
	// Err is what failed: the key (a named provider's only), the balance
	// endpoint, GET /models, the probe; nil when all went well.
	Err error
}

// Refresh asks the selected providers what can be learned without spending
// quota (balance endpoints; GET /models where the dialect has rate-limit
// headers) and, with Probe, with one minimal request, concurrently, each
// within req.Timeout, and stores what they said. The results are in the
// order of req.Providers (or of the catalog).
func (e *Engine) Refresh(ctx context.Context, req RefreshRequest) []Refreshed {
	targets := req.Providers
	explicit := len(targets) > 0
	if !explicit {
		targets = e.Catalog.Names()
	}
	key := Target{Key: req.Key}.key()
	results := make([]Refreshed, len(targets))
	var wg sync.WaitGroup
	for i, name := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[i]
			res.Provider = name
			p, _ := e.Catalog.Profile(name)
			if p.Demo && !explicit {
				return
			}
			client, demo, _, err := e.client(ctx, p, key)
			if err != nil {
				if explicit {
					res.Err = err
				}
				return // without a key there is nothing to refresh
			}
			res.Asked = true
			cctx, cancel := context.WithTimeout(ctx, req.Timeout)
			defer cancel()
			res.Messages, res.Unsaved, res.Err = e.refreshOne(cctx, p, client, demo, key, req)
			if res.Err != nil && cctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
				res.Err = fmt.Errorf("no answer within %s (--timeout)", req.Timeout)
			}
		}()
	}
	wg.Wait()
	return results
}

// refreshOne asks one provider: its balance endpoint, GET /models when its
// dialect has rate-limit headers, and, with Probe, one minimal chat
// request when neither told anything about its windows. It returns what it
// did, one message each, what it could not save, and what failed.
func (e *Engine) refreshOne(ctx context.Context, p *catalog.Profile, client *api.Client, demo *demoCounter, key string, req RefreshRequest) ([]string, string, error) {
	var msgs []string
	var errs []error
	learned := false // a window was reported
	if b := p.Balance; b != nil {
		snap, err := client.Balance(ctx, b.Kind, e.balanceURL(p))
		if err != nil {
			errs = append(errs, fmt.Errorf("balance: %w", err))
		} else if err := e.Store.SaveSnapshot(snap); err != nil {
			errs = append(errs, err)
		} else {
			msgs = append(msgs, "balance refreshed")
			learned = learned || len(snap.Windows) > 0
		}
	}
	d := e.Catalog.Dialect(p.Dialect)
	reportsHeaders := d != nil && len(d.Windows) > 0
	if reportsHeaders && !p.Demo {
		_, qr, err := client.Models(ctx)
		var ae *api.Error
		switch {
		case errors.As(err, &ae) && ae.Class == quota.ClassInvalid:
			// No GET /models here (404): nothing to learn from it.
		case err != nil:
			errs = append(errs, fmt.Errorf("GET /models: %w", err))
		case qr != nil && len(qr.Snapshot.Windows) > 0:
			if err := e.Store.SaveAccountSnapshot(qr.Snapshot, p.Name, key, e.Now()); err != nil {
				errs = append(errs, err)
			} else {
				msgs = append(msgs, "limits refreshed from GET /models")
				learned = true
			}
		}
	}
	unsaved := ""
	switch {
	case req.Probe && reportsHeaders && !learned && len(errs) == 0:
		model := req.Model
		if model == "" {
			model = p.DefaultModel
		}
		probe := api.ChatRequest{Model: model, MaxTokens: 1,
			Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "ping"}}}
		probed := Target{Profile: p, Key: key, Model: model}
		// A probe is a call: a hard budget it would pass refuses it first.
		hold, err := e.checkBudget(ctx, Request{Target: probed, Chat: probe, Kind: usage.KindProbe})
		if err != nil {
			return msgs, unsaved, errors.Join(append(errs, err)...)
		}
		reply, err := client.Chat(ctx, probe, api.CallOptions{Retries: 0})
		unsaved = joinUnsaved(e.record(probed, reply, demo.unsaved(), nil).Unsaved, e.logCall(probed, usage.KindProbe, client, reply, err, hold))
		var ae *api.Error
		switch {
		case err == nil:
			msgs = append(msgs, fmt.Sprintf("probed %s (spent 1 request, 1 output token)", model))
		case errors.As(err, &ae) && (ae.Class == quota.ClassRateLimited || ae.Class == quota.ClassQuotaExhausted):
			// What the probe was for: the answer says what ran out.
			// (The message may have several lines.)
			msgs = append(msgs, fmt.Sprintf("probed %s: %s", model, strings.TrimPrefix(strings.TrimSpace(ae.Message), p.Name+": ")))
		default:
			errs = append(errs, fmt.Errorf("probe: %w", err))
		}
	case len(msgs) == 0 && len(errs) == 0:
		why := "it has no balance endpoint and reports its limits only on chat calls: --probe spends one request to learn them"
		if !reportsHeaders {
			why = "it has no balance endpoint and sends no rate-limit headers"
		}
		msgs = append(msgs, "nothing to refresh: "+why)
	}
	return msgs, unsaved, errors.Join(errs...)
}

// balanceURL is the balance endpoint of p: the built-in one moves with a
// base_url the user pointed at a proxy (api.BalanceURL).
func (e *Engine) balanceURL(p *catalog.Profile) string {
	url := p.Balance.URL
	base, err := p.ResolveBaseURL(e.Getenv)
	if err != nil || e.Builtin == nil {
		return url
	}
	c := e.Builtin()
	if c == nil {
		return url
	}
	bp, err := c.Profile(p.Name)
	if err != nil || bp.Balance == nil {
		return url
	}
	builtinBase, err := bp.ResolveBaseURL(e.Getenv)
	if err != nil {
		return url
	}
	return api.BalanceURL(builtinBase, bp.Balance.URL, base, url)
}
