// Package app is what one run of tier loads for its commands, each part
// once and only when a command first asks for it: the catalog, the state
// store, the keys (the Manager and the run's keys.Session), the shared
// fleet, the budgets, the call engine and the overview's inputs. It is the
// lazily built half of the command layer's factory (gh's Factory methods),
// and knows nothing of cobra or flags: commands give it values.
//
// Its failures carry a fallback Kind (usage, auth, network) that the
// command layer's exit-code mapping uses when the wrapped error has no kind
// of its own.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	tier "github.com/tier-cli/tier"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/shared"
	"github.com/tier-cli/tier/internal/store"
	"github.com/tier-cli/tier/internal/usage"
	"github.com/tier-cli/tier/internal/version"
)

// Config is what an App is built from: the run's factory.
type Config struct {
	Getenv func(string) string
	// Now is the run's clock; nil: time.Now.
	Now func() time.Time
	// Stderr receives warnings, reminders and key_cmd's stderr.
	Stderr io.Writer
	// Keyring is where keys are kept; nil: the OS keyring.
	Keyring keys.Backend
}

// App holds what most commands need, loaded lazily once per run. It is not
// safe for concurrent use except through the engine's key source.
type App struct {
	cfg   Config
	Now   func() time.Time
	cat   *catalog.Catalog
	state *store.Store
	keys  keyState
	// fleet is the shared state (fleet.go); fleetOff: none is configured.
	fleet    *shared.Fleet
	fleetOff bool
	zone     *time.Location
}

// New returns the App of a run over cfg.
func New(cfg Config) *App {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	return &App{cfg: cfg, Now: cfg.Now}
}

// Getenv is the run's environment.
func (a *App) Getenv(k string) string { return a.cfg.Getenv(k) }

// Catalog is the provider catalog, the built-in one merged with the
// user's providers.yaml.
func (a *App) Catalog() (*catalog.Catalog, error) {
	if a.cat != nil {
		return a.cat, nil
	}
	c, err := catalog.Load(a.cfg.Getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	a.cat = c
	return c, nil
}

// Store is the state store of $TIER_STATE_DIR.
func (a *App) Store() (*store.Store, error) {
	if a.state != nil {
		return a.state, nil
	}
	dir, err := store.DefaultDir(a.cfg.Getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	a.state = store.Open(dir)
	return a.state, nil
}

// Profile picks the provider: the flag, then TIER_PROVIDER, then the
// catalog's default.
func (a *App) Profile(flag string) (*catalog.Profile, error) {
	c, err := a.Catalog()
	if err != nil {
		return nil, err
	}
	p, err := c.Choose(flag, a.cfg.Getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	return p, nil
}

// Engine is the call engine over the catalog, store and keys, with the
// budgets and the shared fleet when they are set.
func (a *App) Engine() (*engine.Engine, error) {
	cat, err := a.Catalog()
	if err != nil {
		return nil, err
	}
	st, err := a.Store()
	if err != nil {
		return nil, err
	}
	eng := a.NewEngine(cat, st)
	b, err := a.Budgets(cat, st)
	if err != nil {
		return nil, err
	}
	eng.Budget = b
	f, err := a.Fleet()
	if err != nil {
		return nil, err
	}
	if f != nil {
		eng.Fleet = f
		b.Reserve = f
	}
	return eng, nil
}

// NewEngine is an engine over cat and st without budgets or fleet (what
// fetching model lists needs).
func (a *App) NewEngine(cat *catalog.Catalog, st *store.Store) *engine.Engine {
	return &engine.Engine{Catalog: cat, Store: st, Keys: engineKeys{a}, Now: a.Now, Getenv: a.cfg.Getenv,
		UserAgent: "tier/" + version.Short(), KeyInfo: a.KeyInfo, Builtin: Builtin,
		Usage: usage.New(st.Dir), Tag: a.cfg.Getenv("TIER_TAG")}
}

// engineKeys is the engine's key source: the run's cached resolution, with
// its rotation reminders and kinds (keys.go).
type engineKeys struct{ a *App }

func (k engineKeys) Key(_ context.Context, p *catalog.Profile, name, baseURL string) (string, string, error) {
	key, err := k.a.LookupKey(p, name, baseURL)
	if err != nil {
		return "", "", err
	}
	return key.Key, string(key.Source), nil
}

// Builtin is the embedded catalog alone (no user file), parsed once: what
// generated man pages show, and what a refresh asks from several
// goroutines (the engine's balance URLs). nil when it does not load (a
// test of package catalog fails on that).
var Builtin = sync.OnceValue(func() *catalog.Catalog {
	c, err := catalog.LoadBytes(tier.ProvidersYAML, nil, "")
	if err != nil {
		return nil
	}
	return c
})

// LocalZone is the time zone of TZ as getenv gives it (so tests can set
// it), else the process's local one.
func LocalZone(getenv func(string) string) *time.Location {
	if tz := strings.TrimPrefix(getenv("TZ"), ":"); tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return time.Local
}

// Zone is the run's time zone (LocalZone), read once.
func (a *App) Zone() *time.Location {
	if a.zone == nil {
		a.zone = LocalZone(a.cfg.Getenv)
	}
	return a.zone
}

// dirVars are the directory variables a relative value of which is taken
// from the working directory tier starts in.
var dirVars = []string{"TIER_CONFIG_DIR", "TIER_STATE_DIR"}

// AbsoluteDirs returns getenv with TIER_CONFIG_DIR and TIER_STATE_DIR made
// absolute once, against the working directory at start, so that every
// path tier shows or uses later names the same place whatever happens to
// the working directory meanwhile. When the working directory is unknown
// (removed under tier), a relative value is refused.
func AbsoluteDirs(getenv func(string) string) (func(string) string, error) {
	fixed := map[string]string{}
	for _, k := range dirVars {
		v := getenv(k)
		if v == "" || filepath.IsAbs(v) {
			continue
		}
		abs, err := filepath.Abs(v)
		if err != nil {
			return getenv, fmt.Errorf("%s is a relative path (%q) and the working directory is unknown (%v): set it to an absolute path", k, v, err)
		}
		fixed[k] = abs
	}
	if len(fixed) == 0 {
		return getenv, nil
	}
	return func(k string) string {
		if v, ok := fixed[k]; ok {
			return v
		}
		return getenv(k)
	}, nil
}

// Kind is what a failure of App's is when the error it wraps says nothing
// more precise.
type Kind int

const (
	// KindUsage is a usage or configuration error.
	KindUsage Kind = iota + 1
	// KindAuth is a key that is missing or cannot be used.
	KindAuth
	// KindNetwork is a provider or a shared state out of reach.
	KindNetwork
)

// Error is an App failure with its fallback Kind. The command layer's
// exit-code mapping reads Kind only when Err has no kind of its own (a
// damaged state file stays a damaged state file, a refused key a refused
// key).
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func kinded(k Kind, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Kind: k, Err: err}
}

func usageErr(err error) error { return kinded(KindUsage, err) }
func authErr(err error) error  { return kinded(KindAuth, err) }

func usagef(format string, a ...any) error {
	return &Error{Kind: KindUsage, Err: fmt.Errorf(format, a...)}
}

func authf(format string, a ...any) error {
	return &Error{Kind: KindAuth, Err: fmt.Errorf(format, a...)}
}
