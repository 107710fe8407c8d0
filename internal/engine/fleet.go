package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/shared"
)

// Fleet is state shared with other machines (internal/shared, on Redis),
// as a call sees it: asked before a call is sent, told what it learned.
// keyID is a one-way ID of the key (never the key), fingerprint its
// display form.
type Fleet interface {
	// Before says how long the fleet asks this call, of tokens
	// pre-estimated tokens, to wait (a 429 or an exhausted window another
	// machine met; a shared limiter's turn), or refuses it (shared state
	// required and out of reach). When it lets the call go, the ticket
	// (possibly nil) is what the call took of the fleet's limiters: the
	// engine lands it once the call is back, with the tokens it used.
	Before(ctx context.Context, provider, keyID, model string, tokens int64) (ticket *shared.Ticket, wait time.Duration, why string, err error)
	// After is told each response's outcome and the snapshot recorded
	// (nil when none was), and the tokens the call used.
	After(ctx context.Context, provider, keyID, fingerprint, model string, q *quota.Result, s *quota.Snapshot, tokens int64)
}

// unsetMaxTokens is the reply a call that sets no max_tokens is
// pre-estimated at, as batch's pacer does; the fleet's token limiters are
// corrected by the real usage once the call is back.
const unsetMaxTokens = 256

// fleetEstimate is the tokens req is pre-estimated at for the fleet's
// token windows: its prompt's (about four bytes a token) and the reply it
// allows.
func fleetEstimate(req Request) int64 {
	sent := 0
	for _, m := range req.Chat.Messages {
		sent += len(m.Content)
	}
	reply := req.Chat.MaxTokens
	if reply <= 0 {
		reply = unsetMaxTokens
	}
	return int64(api.EstimateTokens(sent) + reply)
}

// fleetBefore waits the fleet's turn for t within opts' MaxWait, or says
// why the call is not sent: the fleet's error unchanged, an *api.Error
// (rate limited) for a wait longer than allowed. The ticket is the call's
// share of the fleet's limiters, to be landed (fleetLand) once it is back.
func (e *Engine) fleetBefore(ctx context.Context, t Target, keyID string, tokens int64, opts api.CallOptions) (*shared.Ticket, error) {
	if e.Fleet == nil {
		return nil, nil
	}
	var waited time.Duration
	said := ""
	for {
		ticket, wait, why, err := e.Fleet.Before(ctx, t.Profile.Name, keyID, t.Model, tokens)
		if err != nil || wait <= 0 {
			return ticket, err
		}
		if waited+wait > opts.MaxWait {
			return nil, &api.Error{Class: quota.ClassRateLimited, RetryIn: wait, NoRetry: true,
				Message: fmt.Sprintf("%s: %s; not sent: it clears in %s, more than --max-wait %s", t.Profile.Name, why, wait.Round(time.Second), opts.MaxWait)}
		}
		waited += wait
		// Said as the provider's, as every wait is, and once a reason:
		// the same wait asked again (the fleet's first reading still on
		// its way, every 50 ms) is waited out silently.
		if opts.Wait != nil && why != said {
			said = why
			if err := opts.Wait(ctx, wait, t.Profile.Name+": "+why); err != nil {
				return nil, err
			}
			continue
		}
		tm := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			tm.Stop()
			return nil, ctx.Err()
		case <-tm.C:
		}
	}
}

// fleetLand lands the call's ticket with the tokens it used: as the
// provider reported them; 0 when it was refused before any work (a
// non-2xx status); estimated from the bytes when a 2xx came without
// usage; shared.Unknown when no response came at all.
func fleetLand(ctx context.Context, ticket *shared.Ticket, reply *api.Reply) {
	if ticket == nil {
		return
	}
	used := shared.Unknown
	switch {
	case reply == nil || reply.Quota == nil:
	case reply.Usage != nil:
		used = int64(reply.Usage.PromptTokens + reply.Usage.CompletionTokens)
	case reply.Quota.Class != quota.ClassOK && !reply.Wrote:
		used = 0
	default:
		used = int64(api.EstimateTokens(reply.Sent) + api.EstimateTokens(reply.Received))
	}
	ticket.Land(ctx, used)
}

// fleetAfter tells the fleet what a response said.
func (e *Engine) fleetAfter(ctx context.Context, t Target, keyID, fp string, q *quota.Result, s *quota.Snapshot, reply *api.Reply) {
	if e.Fleet == nil || q == nil {
		return
	}
	var tokens int64
	if reply != nil && reply.Usage != nil {
		tokens = int64(reply.Usage.PromptTokens + reply.Usage.CompletionTokens)
	}
	e.Fleet.After(ctx, t.Profile.Name, keyID, fp, t.Model, q, s, tokens)
}
