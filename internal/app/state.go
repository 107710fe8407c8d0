package app

import (
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/store"
)

// State files the commands read besides their own (see store.Check).
const (
	SeenState = "seen" // overview.MarkSeen
	KeysState = "keys" // key metadata
	demoState = "demo" // the demo's counters
)

// CheckState stops a command that is about to read a damaged state file,
// before it spends a request: store.ErrCorrupt (exit 2) and the command
// that moves the file aside, the same for every command.
func (a *App) CheckState(names ...string) error {
	st, err := a.Store()
	if err != nil {
		return err
	}
	return st.Check(names...)
}

// ChatState is what a chat with p reads and writes.
func ChatState(p *catalog.Profile) []string {
	names := []string{store.SnapshotsFile, store.LedgerFile, SeenState}
	if p.Demo {
		names = append(names, demoState)
	}
	return names
}

// ModelsState is what 'tier models' reads for profiles: the snapshots and
// each one's models cache.
func ModelsState(profiles []*catalog.Profile) []string {
	names := []string{store.SnapshotsFile}
	for _, p := range profiles {
		if name, err := store.ModelsFile(p.Name); err == nil {
			names = append(names, name)
		}
	}
	return names
}

// quotaState is what 'tier quota' reads.
var quotaState = []string{store.SnapshotsFile, store.LedgerFile, SeenState, KeysState}
