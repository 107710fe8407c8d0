package store

import (
	"encoding/json"
	"errors"
)

// Names of the state files, for Check. Other packages keep their own state
// here too (key metadata "keys", tier's first use "seen", the demo's
// counters "demo"), under names they choose.
const (
	SnapshotsFile = snapshotsFile
	LedgerFile    = ledgerFile
)

// ModelsFile is the name of the models cache of provider.
func ModelsFile(provider string) (string, error) { return modelsFile(provider) }

// Check reads the state files a command is about to use, so that a damaged
// one stops it before it spends a request, with the error (matching
// ErrCorrupt) that says how to move the file aside. The snapshots and the
// ledger are decoded; any other name is a JSON file that must hold an
// object, as every JSON state file does. Missing files are fine.
func (s *Store) Check(names ...string) error {
	for _, name := range names {
		var err error
		switch name {
		case snapshotsFile:
			_, err = Read[snapshotsState](s, name)
		case ledgerFile:
			_, err = s.readLedger()
		default:
			_, err = Read[map[string]json.RawMessage](s, name)
		}
		if errors.Is(err, ErrCorrupt) {
			return err
		}
	}
	return nil
}
