package budget

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/tier-cli/tier/internal/catalog"
)

// FileName is the budgets tier budget set writes, in the config directory
// beside providers.yaml (which tier never writes).
const FileName = "budgets.json"

// Sources of a budget.
const (
	FromFile    = FileName
	FromCatalog = catalog.FileName
)

// Entry is a budget and where it is set.
type Entry struct {
	catalog.Budget
	Source string `json:"source"`
}

// Load reads dir's budgets.json (none when it does not exist), each
// checked.
func Load(dir string) ([]catalog.Budget, error) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f struct {
		Budgets []catalog.Budget `json:"budgets"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %v: fix it, or remove it and set the budgets again", path, err)
	}
	for i, b := range f.Budgets {
		if _, msg := b.Check(); msg != "" {
			return nil, fmt.Errorf("%s: budgets[%d]: %s", path, i, msg)
		}
	}
	return f.Budgets, nil
}

// Save writes budgets to dir's budgets.json, atomically (a temp file
// renamed over it).
func Save(dir string, budgets []catalog.Budget) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(struct {
		Budgets []catalog.Budget `json:"budgets"`
	}{budgets}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, FileName+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, FileName))
}

// All are the budgets of providers.yaml and of budgets.json, normalized:
// a name set in both is an error (say which to remove).
func All(fromCatalog, fromFile []catalog.Budget) ([]Entry, error) {
	var out []Entry
	for _, b := range fromCatalog {
		b.Normalize()
		out = append(out, Entry{b, FromCatalog})
	}
	for _, b := range fromFile {
		if slices.ContainsFunc(out, func(e Entry) bool { return e.Name == b.Name }) {
			return nil, fmt.Errorf("budget %q is set both in providers.yaml and in %s: remove one ('tier budget rm %s' removes the second)", b.Name, FileName, b.Name)
		}
		b.Normalize()
		out = append(out, Entry{b, FromFile})
	}
	return out, nil
}

// Budgets are the budgets of entries.
func Budgets(entries []Entry) []catalog.Budget {
	out := make([]catalog.Budget, len(entries))
	for i, e := range entries {
		out[i] = e.Budget
	}
	return out
}
