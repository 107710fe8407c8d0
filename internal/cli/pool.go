package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/batch"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/pool"
	"github.com/tier-cli/tier/internal/quota"
)

// poolRun is a chat over a pool: the targets to try in order, those
// skipped and why, and the one that answered.
type poolRun struct {
	name     string
	targets  []pool.Target
	skipped  []pool.Skip
	answered *pool.Target
}

// poolJSON is the "pool" member of chat's --json: which target answered
// and why the others were skipped.
type poolJSON struct {
	Name     string      `json:"name"`
	Answered string      `json:"answered,omitempty"`
	Skipped  []pool.Skip `json:"skipped"`
}

// poolName is the pool a chat or a batch is over: --pool, or -p naming a
// pool rather than a provider; "" for none.
func (a *app) poolName(flagPool, flagProvider string) (string, error) {
	if flagPool != "" {
		return flagPool, nil
	}
	c, err := a.catalog()
	if err != nil {
		return "", err
	}
	if _, isProvider := c.Providers[flagProvider]; !isProvider {
		if _, ok := c.Pools[flagProvider]; ok {
			return flagProvider, nil
		}
	}
	return "", nil
}

// poolTargets resolves pool name ("*" keys from the stored keys' records).
func (a *app) poolTargets(name string) ([]pool.Target, error) {
	c, err := a.catalog()
	if err != nil {
		return nil, err
	}
	ts, err := pool.Resolve(c, name, a.storedKeyNames)
	if err != nil {
		return nil, usageErr(fmt.Errorf("%w (pools: %s)", err, strings.Join(sortedPoolNames(c), ", ")))
	}
	return ts, nil
}

func sortedPoolNames(c *catalog.Catalog) []string {
	var out []string
	for n := range c.Pools {
		out = append(out, n)
	}
	return pool.SortKeys(out)
}

func (a *app) storedKeyNames(provider string) []string {
	m, err := a.keyManager()
	if err != nil {
		return nil
	}
	all, err := m.AllMeta()
	if err != nil {
		return nil
	}
	var names []string
	for n := range all[provider] {
		names = append(names, n)
	}
	return pool.SortKeys(names)
}

// newPoolRun orders the pool's targets by what is left now.
func (a *app) newPoolRun(name string, eng *engine.Engine) (*poolRun, error) {
	ts, err := a.poolTargets(name)
	if err != nil {
		return nil, err
	}
	src := eng.Overview()
	use, skipped := pool.Order(ts, func(t pool.Target) (quota.Snapshot, bool) {
		s, ok, err := eng.Store.Snapshot(t.Profile.Name, t.Key, t.Model)
		if err != nil || !ok {
			s = quota.Snapshot{Provider: t.Profile.Name, Key: t.Key, Model: t.Model}
		}
		return src.Complete(s), true
	}, a.now())
	return &poolRun{name: name, targets: use, skipped: skipped}, nil
}

// call tries the targets in order, moving on when one's quota is used up
// or it stays rate limited; nothing that reached a reply is sent again.
func (pr *poolRun) call(ctx context.Context, eng *engine.Engine, req engine.Request) (engine.Result, error) {
	if len(pr.targets) == 0 {
		return engine.Result{}, exhaustedErr(fmt.Errorf("pool %q: no target has headroom now: %s", pr.name, pr.skippedText()))
	}
	var res engine.Result
	var err error
	for i, t := range pr.targets {
		req.Target = engine.Target{Profile: t.Profile, Key: t.Key, Model: t.Model}
		req.Chat.Model = t.Model
		last := i == len(pr.targets)-1
		req.Options.NoQuotaWait = !last // the next target may answer now
		res, err = eng.Call(ctx, req)
		pr.answered = &pr.targets[i]
		var ae *api.Error
		switch {
		case err != nil && !last:
			pr.skipped = append(pr.skipped, pool.Skip{Target: t.Name(), Reason: oneLine(err.Error())})
			continue
		case err == nil && errors.As(res.Err, &ae) && pool.FallThrough(ae.Class) && !(res.Reply != nil && res.Reply.Wrote) && !last:
			pr.skipped = append(pr.skipped, pool.Skip{Target: t.Name(), Reason: oneLine(ae.Message)})
			continue
		}
		break
	}
	return res, err
}

func (pr *poolRun) skippedText() string {
	var parts []string
	for _, s := range pr.skipped {
		why := s.Reason
		if s.Until != nil {
			why += " at " + s.Until.Local().Format("Jan 2 15:04 MST")
		}
		parts = append(parts, s.Target+" ("+why+")")
	}
	return strings.Join(parts, "; ")
}

// json is the pool member of --json.
func (pr *poolRun) json() *poolJSON {
	j := &poolJSON{Name: pr.name, Skipped: pr.skipped}
	if j.Skipped == nil {
		j.Skipped = []pool.Skip{}
	}
	if pr.answered != nil {
		j.Answered = pr.answered.Name()
	}
	return j
}

// note is the line on stderr saying which target answered and why others
// were skipped.
func (pr *poolRun) note(w io.Writer) {
	if pr.answered == nil {
		return
	}
	msg := fmt.Sprintf("tier: pool %s: %s answered", pr.name, pr.answered.Name())
	if len(pr.skipped) > 0 {
		msg += "; skipped " + pr.skippedText()
	}
	fmt.Fprintln(w, msg)
}

// poolFirst is the pool's first target: the profile, model and key a chat
// over it checks and reads its prompt for.
func (a *app) poolFirst(name string) (*catalog.Profile, string, string, error) {
	ts, err := a.poolTargets(name)
	if err != nil {
		return nil, "", "", err
	}
	if len(ts) == 0 {
		return nil, "", "", usagef("pool %q has no targets", name)
	}
	return ts[0].Profile, ts[0].Model, ts[0].Key, nil
}

// batchTargets are the targets of -p/--pool: a pool's, or one provider's.
func (a *app) batchTargets(o *batchOptions, rows []batch.Row) ([]batch.Target, error) {
	poolName, err := a.poolName(o.pool, o.provider)
	if err != nil {
		return nil, err
	}
	if poolName != "" {
		ts, err := a.poolTargets(poolName)
		if err != nil || len(ts) == 0 {
			return nil, usageErr(fmt.Errorf("pool %q has no targets %v", poolName, err))
		}
		var out []batch.Target
		for _, t := range ts {
			out = append(out, batch.Target{Target: engine.Target{Profile: t.Profile, Key: t.Key, Model: t.Model},
				Name: t.Name(), Quota: t.Quota(), Limits: batch.CatalogLimits(t.Profile, t.Model)})
		}
		return out, nil
	}
	p, err := a.profile(o.provider)
	if err != nil {
		return nil, err
	}
	model := o.model
	if model == "" { // each row's body.model, else the default: one model when they all come to one
		if model = batch.OneModel(rows, p.DefaultModel); model == "" && batch.SomeUnnamed(rows) && p.DefaultModel == "" {
			return nil, usagef("%s has no default model and a row names none: pass -m MODEL (see 'tier models %s')", p.Name, p.Name)
		}
	}
	t := pool.Target{Profile: p, Key: o.key, Model: model}
	return []batch.Target{{Target: engine.Target{Profile: p, Key: o.key, Model: model}, Name: p.Name + "/" + o.key + "/" + orDash(model),
		Quota: t.Quota(), Limits: batch.CatalogLimits(p, model)}}, nil
}

// newPoolsTopic is `tier help pools`.
func newPoolsTopic(*Env) *cobra.Command {
	return &cobra.Command{
		Use:   "pools",
		Short: "Pools: several keys, providers and models as one target, with fallback",
		Long: `A pool names an ordered list of targets, each provider/key/model, in providers.yaml:

  pools:
    free:
      - groq/*/llama-3.1-8b-instant          # every stored key of groq, the default first
      - cerebras/default/llama3.1-8b
      - openrouter/default/openai/gpt-oss-120b:free

tier chat -p free (or --pool free) sends to the first target with headroom in every window tier
knows of: a target whose window is used up is skipped until its reset, one that got a 429 is
skipped until its hint has passed, and a call that fails because the quota is used up (402, a
429 naming a used-up window, or a rate limit, not waited out while another target is left) falls
through to the next target; the last target is retried as a lone chat is. Nothing that reached a reply is sent again. The line on stderr and the "pool" member of
--json (answered, skipped: [{target, reason, until}]) say which target answered and why the
others were skipped.

tier batch -p free spreads the rows over the pool's targets by their headroom: each row goes to
the target that can take it soonest, so a pool reaches close to the sum of its targets' limits.

Some providers count their limits per account or project, not per key (quota_scope: account in
the catalog: Gemini per Google Cloud project, OpenRouter's free models per account). Two keys of
such a provider are one quota: a window used up for one is used up for both, and tier batch
paces them together.`,
	}
}
