package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/quota"
)

// Fleet is state shared with other machines (internal/shared, on Redis),
// as a call sees it: asked before a call is sent, told what it learned.
// keyID is a one-way ID of the key (never the key), fingerprint its
// display form.
type Fleet interface {
	// Before says how long the fleet asks this call to wait (a 429 or an
	// exhausted window another machine met; a shared limiter's turn), or
	// refuses it (shared state required and out of reach).
	Before(ctx context.Context, provider, keyID, model string) (wait time.Duration, why string, err error)
	// After is told each response's outcome and the snapshot recorded
	// (nil when none was), and the tokens the call used.
	After(ctx context.Context, provider, keyID, fingerprint, model string, q *quota.Result, s *quota.Snapshot, tokens int64)
}

// fleetBefore waits the fleet's turn for t within opts' MaxWait, or says
// why the call is not sent: the fleet's error unchanged, an *api.Error
// (rate limited) for a wait longer than allowed.
func (e *Engine) fleetBefore(ctx context.Context, t Target, keyID string, opts api.CallOptions) error {
	if e.Fleet == nil {
		return nil
	}
	var waited time.Duration
	for {
		wait, why, err := e.Fleet.Before(ctx, t.Profile.Name, keyID, t.Model)
		if err != nil || wait <= 0 {
			return err
		}
		if waited+wait > opts.MaxWait {
			return &api.Error{Class: quota.ClassRateLimited, RetryIn: wait, NoRetry: true,
				Message: fmt.Sprintf("%s: %s; not sent: it clears in %s, more than --max-wait %s", t.Profile.Name, why, wait.Round(time.Second), opts.MaxWait)}
		}
		waited += wait
		if opts.Wait != nil {
			if err := opts.Wait(ctx, wait, why); err != nil {
				return err
			}
			continue
		}
		tm := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			tm.Stop()
			return ctx.Err()
		case <-tm.C:
		}
	}
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
