package cli

import (
	"context"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/shared"
	"github.com/tier-cli/tier/internal/store"
	"github.com/tier-cli/tier/internal/usage"
	"github.com/tier-cli/tier/internal/version"
)

// app holds what most commands need, loaded lazily once per run.
type app struct {
	env   *Env
	now   func() time.Time
	cat   *catalog.Catalog
	state *store.Store
	keys  keyState
	// shared is the fleet's state (shared.go); sharedOff: TIER_SHARED unset.
	shared    *shared.Fleet
	sharedOff bool
}

func newApp(env *Env) *app { return &app{env: env, now: env.clock()} }

func (a *app) catalog() (*catalog.Catalog, error) {
	if a.cat != nil {
		return a.cat, nil
	}
	c, err := catalog.Load(a.env.Getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	a.cat = c
	return c, nil
}

func (a *app) store() (*store.Store, error) {
	if a.state != nil {
		return a.state, nil
	}
	dir, err := store.DefaultDir(a.env.Getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	a.state = store.Open(dir)
	return a.state, nil
}

// profile picks the provider: the flag, then TIER_PROVIDER, then the
// catalog's default.
func (a *app) profile(flag string) (*catalog.Profile, error) {
	c, err := a.catalog()
	if err != nil {
		return nil, err
	}
	p, err := c.Choose(flag, a.env.Getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	return p, nil
}

// engine is the call engine over the app's catalog, store and keys. The
// catalog and the store must have loaded.
func (a *app) engine() (*engine.Engine, error) {
	cat, err := a.catalog()
	if err != nil {
		return nil, err
	}
	st, err := a.store()
	if err != nil {
		return nil, err
	}
	eng := a.newEngine(cat, st)
	b, err := a.budgets(cat, st)
	if err != nil {
		return nil, err
	}
	eng.Budget = b
	f, err := a.fleet()
	if err != nil {
		return nil, err
	}
	if f != nil {
		eng.Fleet = f
		b.Reserve = f
	}
	return eng, nil
}

func (a *app) newEngine(cat *catalog.Catalog, st *store.Store) *engine.Engine {
	return &engine.Engine{Catalog: cat, Store: st, Keys: appKeys{a}, Now: a.now, Getenv: a.env.Getenv,
		UserAgent: "tier/" + version.Short(), KeyInfo: a.keyInfo, Builtin: builtinOnce,
		Usage: usage.New(st.Dir), Tag: a.env.Getenv("TIER_TAG")}
}

// appKeys is the engine's key source: the run's cached resolution, with its
// rotation reminders and exit codes (keysource.go).
type appKeys struct{ a *app }

func (k appKeys) Key(_ context.Context, p *catalog.Profile, name, baseURL string) (string, string, error) {
	key, err := k.a.lookupKey(p, name, baseURL)
	if err != nil {
		return "", "", err
	}
	return key.Key, string(key.Source), nil
}
