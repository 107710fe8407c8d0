package store

import (
	"errors"
	"fmt"
	"time"
)

// CachedModel is one entry of a provider's /models list.
type CachedModel struct {
	ID            string `json:"id"`
	OwnedBy       string `json:"owned_by,omitempty"`
	Created       int64  `json:"created,omitempty"`        // Unix seconds, as the provider sends it; 0 = not reported
	ContextLength int    `json:"context_length,omitempty"` // 0 = not reported
}

type modelsState struct {
	Version   int           `json:"version"`
	FetchedAt time.Time     `json:"fetched_at"`
	Models    []CachedModel `json:"models"`
}

func modelsFile(provider string) (string, error) {
	if provider == "" {
		return "", errors.New("cannot cache models without a provider: this is a bug in tier, please report it")
	}
	name := "models-" + provider
	if err := checkName(name); err != nil {
		return "", fmt.Errorf("cannot cache the models of provider %q: its name cannot be part of a file name: rename it in providers.yaml", provider)
	}
	return name, nil
}

// newerFormat reports a JSON state file of a version above formatVersion.
func newerFormat(s *Store, name string, v int) error {
	if v > formatVersion {
		return newerFormatError(s.path(name), uint64(v))
	}
	return nil
}

// SaveModels replaces the cached model list of provider (file
// "models-<provider>") with models, fetched at at (a zero at means now).
func (s *Store) SaveModels(provider string, models []CachedModel, at time.Time) error {
	name, err := modelsFile(provider)
	if err != nil {
		return err
	}
	if at.IsZero() {
		at = time.Now()
	}
	return Update(s, name, func(st *modelsState) error {
		if err := newerFormat(s, name, st.Version); err != nil {
			return err
		}
		*st = modelsState{Version: formatVersion, FetchedAt: at.UTC(), Models: append([]CachedModel{}, models...)}
		return nil
	})
}

// Models returns the cached model list of provider and when it was fetched;
// ok is false when nothing is cached.
func (s *Store) Models(provider string) (models []CachedModel, fetchedAt time.Time, ok bool, err error) {
	name, err := modelsFile(provider)
	if err != nil {
		return nil, time.Time{}, false, err
	}
	st, err := Read[modelsState](s, name)
	if err != nil {
		return nil, time.Time{}, false, err
	}
	if err := newerFormat(s, name, st.Version); err != nil {
		return nil, time.Time{}, false, err
	}
	if st.FetchedAt.IsZero() {
		return nil, time.Time{}, false, nil
	}
	return st.Models, st.FetchedAt, true, nil
}
