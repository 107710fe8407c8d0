package pool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/quota"
)

// Run is a chat over a pool: the targets to try in order, those skipped
// and why, and the one that answered.
type Run struct {
	Name     string
	Targets  []Target
	Skipped  []Skip
	Answered *Target
}

// JSON is the "pool" member of chat's --json: which target answered and
// why the others were skipped.
type JSON struct {
	Name     string `json:"name"`
	Answered string `json:"answered,omitempty"`
	Skipped  []Skip `json:"skipped"`
}

// NoHeadroomError is a pool none of whose targets has headroom now (exit
// 5, as a quota used up).
type NoHeadroomError struct{ Err error }

func (e *NoHeadroomError) Error() string { return e.Err.Error() }
func (e *NoHeadroomError) Unwrap() error { return e.Err }

// NewRun orders the pool's targets ts by what is left now, as the engine's
// store and overview say.
func NewRun(name string, ts []Target, eng *engine.Engine, now time.Time) *Run {
	src := eng.Overview()
	use, skipped := Order(ts, func(t Target) (quota.Snapshot, bool) {
		s, ok, err := eng.Store.Snapshot(t.Profile.Name, t.Key, t.Model)
		if err != nil || !ok {
			s = quota.Snapshot{Provider: t.Profile.Name, Key: t.Key, Model: t.Model}
		}
		return src.Complete(s), true
	}, now)
	return &Run{Name: name, Targets: use, Skipped: skipped}
}

// Call tries the targets in order, moving on when one's quota is used up
// or it stays rate limited; nothing that reached a reply is sent again.
func (pr *Run) Call(ctx context.Context, eng *engine.Engine, req engine.Request) (engine.Result, error) {
	if len(pr.Targets) == 0 {
		return engine.Result{}, &NoHeadroomError{fmt.Errorf("pool %q: no target has headroom now: %s", pr.Name, pr.SkippedText())}
	}
	var res engine.Result
	var err error
	for i, t := range pr.Targets {
		req.Target = engine.Target{Profile: t.Profile, Key: t.Key, Model: t.Model}
		req.Chat.Model = t.Model
		last := i == len(pr.Targets)-1
		req.Options.NoQuotaWait = !last // the next target may answer now
		res, err = eng.Call(ctx, req)
		pr.Answered = &pr.Targets[i]
		var ae *api.Error
		switch {
		case err != nil && !last:
			pr.Skipped = append(pr.Skipped, Skip{Target: t.Name(), Reason: oneLine(err.Error())})
			continue
		case err == nil && errors.As(res.Err, &ae) && FallThrough(ae.Class) && !(res.Reply != nil && res.Reply.Wrote) && !last:
			pr.Skipped = append(pr.Skipped, fellThrough(t, ae))
			continue
		}
		break
	}
	return res, err
}

// fellThrough is why target t, whose call failed with ae, was passed
// over: the window used up and until when, as a target skipped before the
// call says it, when the provider named one with its reset; else the
// provider's message.
func fellThrough(t Target, ae *api.Error) Skip {
	if w := ae.Exhausted; w != nil && w.ResetAt != nil {
		r := *w.ResetAt
		return Skip{Target: t.Name(), Reason: w.Label() + " used up until its reset", Until: &r}
	}
	return Skip{Target: t.Name(), Reason: oneLine(ae.Message)}
}

// SkippedText is the targets skipped and why, on one line.
func (pr *Run) SkippedText() string {
	var parts []string
	for _, s := range pr.Skipped {
		why := s.Reason
		if s.Until != nil {
			why += " at " + s.Until.Local().Format("Jan 2 15:04 MST")
		}
		parts = append(parts, s.Target+" ("+why+")")
	}
	return strings.Join(parts, "; ")
}

// JSON is the pool member of --json; nil for no pool (pr nil).
func (pr *Run) JSON() *JSON {
	if pr == nil {
		return nil
	}
	j := &JSON{Name: pr.Name, Skipped: pr.Skipped}
	if j.Skipped == nil {
		j.Skipped = []Skip{}
	}
	if pr.Answered != nil {
		j.Answered = pr.Answered.Name()
	}
	return j
}

// Note writes the line on stderr saying which target answered and why
// others were skipped.
func (pr *Run) Note(w io.Writer) {
	if pr.Answered == nil {
		return
	}
	msg := fmt.Sprintf("tier: pool %s: %s answered", pr.Name, pr.Answered.Name())
	if len(pr.Skipped) > 0 {
		msg += "; skipped " + pr.SkippedText()
	}
	fmt.Fprintln(w, msg)
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.ReplaceAll(s, "\n", "; ")
}
