package cli

import (
	"sync"

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
		return err // exit 2
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
// goroutines (the engine's balance URLs), and it is parsed from YAML.
var builtinOnce = sync.OnceValue(builtinCatalog)

// keyExists says whether provider p has a key named name that tier could
// use or has used: one with stored metadata (tier keys set), the default
// one from the environment or key_cmd (or none needed), or one with quota
// seen under it.
func (a *app) keyExists(p *catalog.Profile, name string, seen []quota.Snapshot) bool {
	if name == "" || name == keys.DefaultName {
		if p.NoKey || p.Demo || p.KeyCmd != "" {
			return true
		}
		if a.envOverride(p, name) != "" {
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
