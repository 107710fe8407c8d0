package app

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tier-cli/tier/internal/batch"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/pool"
)

// PoolName is the pool a chat or a batch is over: --pool, or -p naming a
// pool rather than a provider; "" for none.
func (a *App) PoolName(flagPool, flagProvider string) (string, error) {
	if flagPool != "" {
		return flagPool, nil
	}
	c, err := a.Catalog()
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

// PoolTargets resolves pool name ("*" keys from the stored keys' records).
func (a *App) PoolTargets(name string) ([]pool.Target, error) {
	c, err := a.Catalog()
	if err != nil {
		return nil, err
	}
	ts, err := pool.Resolve(c, name, a.StoredKeyNames)
	if err != nil {
		var names []string
		for n := range c.Pools {
			names = append(names, n)
		}
		return nil, usageErr(fmt.Errorf("%w (pools: %s)", err, strings.Join(pool.SortKeys(names), ", ")))
	}
	return ts, nil
}

// NewPoolRun orders the pool's targets by what is left now.
func (a *App) NewPoolRun(name string, eng *engine.Engine) (*pool.Run, error) {
	ts, err := a.PoolTargets(name)
	if err != nil {
		return nil, err
	}
	return pool.NewRun(name, ts, eng, a.Now()), nil
}

// ChatTarget is what a chat is sent to before it is sent: the pool named
// by flagPool or flagProvider (its first target: the profile, model and
// key the chat checks and reads its prompt for), else the provider with
// model and key as given. poolName is "" for no pool. When the pool's
// targets cannot be had, model and key are "" (there are none).
func (a *App) ChatTarget(flagPool, flagProvider, model, key string) (p *catalog.Profile, poolName, m, k string, err error) {
	if poolName, err = a.PoolName(flagPool, flagProvider); err != nil {
		return nil, "", model, key, err
	}
	if poolName == "" {
		p, err = a.providerOrPool(flagProvider)
		return p, "", model, key, err
	}
	if err := poolOwnsTargets(poolName, model, key); err != nil {
		return nil, poolName, "", "", err
	}
	ts, err := a.PoolTargets(poolName)
	if err == nil && len(ts) == 0 {
		err = usagef("pool %q has no targets", poolName)
	}
	if err != nil {
		return nil, poolName, "", "", err
	}
	return ts[0].Profile, poolName, ts[0].Model, ts[0].Key, nil
}

// BatchTargets are the targets of a batch's -p/--pool: a pool's, or one
// provider's with model (each row's body.model, else the default: one
// model when they all come to one).
func (a *App) BatchTargets(flagPool, flagProvider, model, key string, rows []batch.Row) ([]batch.Target, error) {
	poolName, err := a.PoolName(flagPool, flagProvider)
	if err != nil {
		return nil, err
	}
	if poolName != "" {
		if err := poolOwnsTargets(poolName, model, key); err != nil {
			return nil, err
		}
		ts, err := a.PoolTargets(poolName)
		if err != nil {
			return nil, err
		}
		if len(ts) == 0 {
			return nil, usagef("pool %q has no targets", poolName)
		}
		return batch.PoolTargets(ts), nil
	}
	p, err := a.providerOrPool(flagProvider)
	if err != nil {
		return nil, err
	}
	if model == "" {
		if model = batch.OneModel(rows, p.DefaultModel); model == "" && batch.SomeUnnamed(rows) && p.DefaultModel == "" {
			return nil, usagef("%s has no default model and a row names none: pass -m MODEL (see 'tier models %s')", p.Name, p.Name)
		}
	}
	return []batch.Target{batch.OneTarget(p, key, model)}, nil
}

// providerOrPool is Profile for a -p that may name a pool as well: an
// unknown name is told the pools too, when there are any.
func (a *App) providerOrPool(flag string) (*catalog.Profile, error) {
	p, err := a.Profile(flag)
	if err == nil {
		return p, nil
	}
	c, cerr := a.Catalog()
	if cerr != nil || len(c.Pools) == 0 || !errors.As(err, new(*catalog.Error)) || !strings.Contains(err.Error(), "unknown provider") {
		return nil, err
	}
	var names []string
	for n := range c.Pools {
		names = append(names, n)
	}
	return nil, usageErr(fmt.Errorf("%w; pools: %s", err, strings.Join(pool.SortKeys(names), ", ")))
}

// poolOwnsTargets refuses -m and --key with a pool, whose targets name
// their own key and model: they were once ignored without a word.
func poolOwnsTargets(poolName, model, key string) error {
	if model == "" && (key == "" || key == "default") {
		return nil
	}
	return usagef("-m and --key are for one provider: pool %q's targets name their own key and model (provider/key/model in providers.yaml); drop them, or use -p PROVIDER", poolName)
}
