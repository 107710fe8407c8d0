package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/store"
)

// app holds what most commands need, loaded lazily once per run.
type app struct {
	env   *Env
	now   func() time.Time
	cat   *catalog.Catalog
	state *store.Store
	keys  keyState
}

func newApp(env *Env) *app { return &app{env: env, now: clock()} }

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
	name, from := flag, ""
	if name == "" {
		name, from = a.env.Getenv("TIER_PROVIDER"), " (from TIER_PROVIDER)"
	}
	if name == "" {
		name, from = c.Default, " (the catalog's default)"
	}
	if name == "" {
		return nil, Exitf(ExitUsage, "no provider chosen: pass -p PROVIDER or set TIER_PROVIDER (see 'tier models --all')")
	}
	p, err := c.Profile(name)
	if err != nil {
		return nil, usageErr(fmt.Errorf("%w%s", err, from))
	}
	return p, nil
}

// client builds an API client for profile p with the key named keyName.
func (a *app) client(p *catalog.Profile, keyName string) (*api.Client, error) {
	c, err := a.catalog()
	if err != nil {
		return nil, err
	}
	base, err := p.ResolveBaseURL(a.env.Getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	cfg := api.Config{
		Provider:  p.Name,
		KeyName:   keyName,
		BaseURL:   base,
		Dialect:   c.Dialect(p.Dialect),
		Now:       a.now,
		UserAgent: "tier/" + shortVersion(),
	}
	if p.Demo {
		st, err := a.store()
		if err != nil {
			return nil, err
		}
		rpm, rpd := demoLimits(p)
		cfg.Transport = (&api.Demo{Store: st, RPM: rpm, RPD: rpd, Now: a.now}).Transport()
		return api.New(cfg), nil
	}
	key, err := a.lookupKey(p, keyName, base)
	if err != nil {
		return nil, err
	}
	cfg.Key, cfg.KeySource = key.Key, string(key.Source)
	return api.New(cfg), nil
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

func usageErr(err error) error {
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	return &ExitError{Code: ExitUsage, Err: err}
}

func shortVersion() string {
	if version != "" {
		return version
	}
	return "dev"
}
