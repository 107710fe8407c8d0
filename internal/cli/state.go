package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

// State files the commands read besides their own (see store.Check).
const (
	seenState = "seen" // overview.MarkSeen
	keysState = "keys" // key metadata
	demoState = "demo" // the demo's counters
)

// checkState stops a command that is about to read a damaged state file,
// before it spends a request: exit 2 and the command that moves the file
// aside, the same for every command.
func (a *app) checkState(names ...string) error {
	st, err := a.store()
	if err != nil {
		return err
	}
	if err := st.Check(names...); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return nil
}

// chatState is what a chat with p reads and writes.
func chatState(p *catalog.Profile) []string {
	names := []string{store.SnapshotsFile, store.LedgerFile, seenState}
	if p.Demo {
		names = append(names, demoState)
	}
	return names
}

// modelsState is what 'tier models' reads for profiles: the snapshots and
// each one's models cache.
func modelsState(profiles []*catalog.Profile) []string {
	names := []string{store.SnapshotsFile}
	for _, p := range profiles {
		if name, err := store.ModelsFile(p.Name); err == nil {
			names = append(names, name)
		}
	}
	return names
}

// builtinOnce is builtinCatalog, read once: a refresh asks it from several
// goroutines, and it is parsed from YAML.
var builtinOnce = sync.OnceValue(builtinCatalog)

// balanceURL is the balance endpoint of p: the built-in one moves with a
// base_url the user pointed at a proxy (api.BalanceURL).
func (a *app) balanceURL(p *catalog.Profile) string {
	url := p.Balance.URL
	base, err := p.ResolveBaseURL(a.env.Getenv)
	if err != nil {
		return url
	}
	c := builtinOnce()
	if c == nil {
		return url
	}
	bp, err := c.Profile(p.Name)
	if err != nil || bp.Balance == nil {
		return url
	}
	builtinBase, err := bp.ResolveBaseURL(a.env.Getenv)
	if err != nil {
		return url
	}
	return api.BalanceURL(builtinBase, bp.Balance.URL, base, url)
}

// keyExists says whether provider p has a key named name that tier could
// use or has used: one with stored metadata (tier keys set), the default
// one from the environment or key_cmd (or none needed), or one with quota
// seen under it.
func (a *app) keyExists(p *catalog.Profile, name string, seen []quota.Snapshot) bool {
	if name == "" || name == keys.DefaultName {
		if p.NoKey || p.Demo || p.KeyCmd != "" {
			return true
		}
		if v, _ := keys.EnvKey(p, name, a.env.Getenv); v != "" {
			return true
		}
	}
	for _, s := range seen {
		if s.Provider == p.Name && s.Key == name {
			return true
		}
	}
	m, err := a.keyManager()
	if err != nil {
		return false
	}
	meta, _ := m.AllMeta()
	return meta[p.Name][name] != nil
}

// unsavedState gathers the state a command could not save, so that one
// unwritable state directory costs one warning line, not one per file.
type unsavedState struct {
	what []string
	err  error // the first failure
}

// note records err for what; it says whether what was saved.
func (u *unsavedState) note(what string, err error) bool {
	if err == nil {
		return true
	}
	u.what = append(u.what, what)
	if u.err == nil {
		u.err = err
	}
	return false
}

// warn prints the one warning line, when anything was not saved.
func (u *unsavedState) warn(w io.Writer) {
	if u.err != nil {
		what := strings.Join(u.what, ", ")
		if n := len(u.what); n > 1 {
			what = strings.Join(u.what[:n-1], ", ") + " and " + u.what[n-1]
		}
		fmt.Fprintf(w, "tier: warning: %s not saved: %s\n", what, oneLine(u.err.Error()))
	}
}
