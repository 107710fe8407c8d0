package keys

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"

	"github.com/tier-cli/tier/internal/store"
)

// insecureName is the plaintext key file (keys.insecure.json) in the config
// directory, written only by `tier keys set --insecure-storage`.
const insecureName = "keys.insecure"

// ConfigDir is $TIER_CONFIG_DIR, else $XDG_CONFIG_HOME/tier, else
// ~/.config/tier (the OS config directory when there is no home).
func ConfigDir(getenv func(string) string) (string, error) {
	if d := getenv("TIER_CONFIG_DIR"); d != "" {
		return d, nil
	}
	if d := getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "tier"), nil
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "tier"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", errors.New("cannot find a config directory: set TIER_CONFIG_DIR")
	}
	return filepath.Join(d, "tier"), nil
}

type insecureFile struct {
	Version int    `json:"version"`
	Note    string `json:"note"`
	// Keys maps provider -> keyring user (name or name.previous) -> secret.
	Keys map[string]map[string]string `json:"keys"`
}

const insecureNote = "PLAINTEXT API keys written by 'tier keys set --insecure-storage'; prefer the OS keyring"

// InsecurePath is the plaintext key file.
func (m *Manager) InsecurePath() string {
	return filepath.Join(m.ConfigDir, insecureName+".json")
}

func (m *Manager) insecureStore() *store.Store { return store.Open(m.ConfigDir) }

// readInsecure reads the plaintext file, refusing it when other users may
// read it (like ssh does with private keys).
func (m *Manager) readInsecure() (insecureFile, error) {
	path := m.InsecurePath()
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return insecureFile{}, nil
	}
	if err != nil {
		return insecureFile{}, err
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return insecureFile{}, fmt.Errorf("%s can be read by other users (mode %o): run 'chmod 600 %s'", path, fi.Mode().Perm(), path)
	}
	return store.Read[insecureFile](m.insecureStore(), insecureName)
}

func (m *Manager) fileGet(provider, user string) (string, error) {
	f, err := m.readInsecure()
	if err != nil {
		return "", err
	}
	s, ok := f.Keys[provider][user]
	if !ok {
		return "", ErrNotFound
	}
	return s, nil
}

func (m *Manager) updateInsecure(fn func(f *insecureFile)) error {
	if _, err := m.readInsecure(); err != nil {
		return err
	}
	return store.Update(m.insecureStore(), insecureName, func(f *insecureFile) error {
		f.Version, f.Note = 1, insecureNote
		if f.Keys == nil {
			f.Keys = map[string]map[string]string{}
		}
		fn(f)
		return nil
	})
}

func (m *Manager) fileSet(provider, user, secret string) error {
	return m.updateInsecure(func(f *insecureFile) {
		if f.Keys[provider] == nil {
			f.Keys[provider] = map[string]string{}
		}
		f.Keys[provider][user] = secret
	})
}

// fileDelete removes users of provider from the file; it reports whether
// any was there. A missing file is not touched.
func (m *Manager) fileDelete(provider string, users ...string) (bool, error) {
	f, err := m.readInsecure()
	if err != nil || f.Keys[provider] == nil {
		return false, err
	}
	found := len(users) == 0 && len(f.Keys[provider]) > 0
	for _, u := range users {
		if _, ok := f.Keys[provider][u]; ok {
			found = true
		}
	}
	if !found {
		return false, nil
	}
	return true, m.updateInsecure(func(f *insecureFile) {
		if len(users) == 0 {
			delete(f.Keys, provider)
			return
		}
		for _, u := range users {
			delete(f.Keys[provider], u)
		}
		if len(f.Keys[provider]) == 0 {
			delete(f.Keys, provider)
		}
	})
}

// fileNames lists the key names (not .previous) stored in the file.
func (m *Manager) fileNames() (map[string][]string, error) {
	f, err := m.readInsecure()
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for p, users := range f.Keys {
		for u := range users {
			if !isPreviousUser(u) {
				out[p] = append(out[p], u)
			}
		}
		sort.Strings(out[p])
	}
	return out, nil
}

// fileHas reports whether the plaintext file holds user of provider.
func (m *Manager) fileHas(provider, user string) (string, bool) {
	f, err := m.readInsecure()
	if err != nil {
		return "", false
	}
	s, ok := f.Keys[provider][user]
	return s, ok
}
