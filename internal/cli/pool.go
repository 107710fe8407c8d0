package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/batch"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/help"
	"github.com/tier-cli/tier/internal/pool"
)

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
func (a *app) newPoolRun(name string, eng *engine.Engine) (*pool.Run, error) {
	ts, err := a.poolTargets(name)
	if err != nil {
		return nil, err
	}
	return pool.NewRun(name, ts, eng, a.now()), nil
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
		return batch.PoolTargets(ts), nil
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
	return []batch.Target{batch.OneTarget(p, o.key, model)}, nil
}

// newPoolsTopic is `tier help pools`.
func newPoolsTopic(*Env) *cobra.Command {
	return &cobra.Command{
		Use:   "pools",
		Short: "Pools: several keys, providers and models as one target, with fallback",
		Long:  help.Pools,
	}
}
