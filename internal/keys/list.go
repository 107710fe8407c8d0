package keys

import (
	"sort"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
)

// Row is one line of `tier keys list`. Dates are zero when unknown. Its
// JSON form is JSONRow (Row.JSON).
type Row struct {
	Provider string
	Name     string
	// Source is "keyring", "file", "env:VAR" or "cmd".
	Source       Source
	Fingerprint  string
	Created      time.Time
	LastRotated  time.Time
	LastVerified time.Time
	VerifiedHost string
	// PinnedHost is the only host the key is sent to ("" none: it is not
	// sent at all), from its keyring item; for a key stored unverified it
	// is the host it was stored for.
	PinnedHost string
	// Age is how long the current secret has been in place (0: unknown).
	Age       time.Duration
	RotateDue time.Time
	Overdue   bool
	// Default marks the key a plain `tier -p PROVIDER` uses: the
	// environment variable when set, else the stored "default" key, else
	// key_cmd.
	Default     bool
	HasPrevious bool
	Grant       *Grant
	// Note says e.g. that an environment variable overrides this key.
	Note string
}

// List returns a row for every stored key and every provider of profiles
// whose key comes from an environment variable or key_cmd, sorted by
// provider, the default key first. It runs no key_cmd. It reads the
// keyring (when it may be tried) for the host each stored key is pinned to
// and for default keys tier has no record of; a stored key that would not
// be sent (pinned to no host, or to another host than its profile's) says
// so in its Note.
func (m *Manager) List(profiles map[string]*catalog.Profile, getenv func(string) string) ([]Row, error) {
	if getenv == nil {
		getenv = m.getenv
	}
	now := m.now()
	// A keyring that cannot be used (TIER_NO_KEYRING, no session bus) is
	// skipped by Resolve, so its keys are not the ones in use.
	var keyringDown error
	if a, ok := m.Backend.(interface{ Available() error }); ok {
		keyringDown = a.Available()
	}
	found, err := m.findStored(profiles, keyringDown == nil)
	if err != nil {
		return nil, err
	}
	stored := map[string][]foundKey{}
	provs := map[string]bool{}
	for _, k := range found {
		stored[k.Provider] = append(stored[k.Provider], k)
		provs[k.Provider] = true
	}
	for p, prof := range profiles {
		if prof != nil && !prof.NoKey {
			provs[p] = true
		}
	}
	var rows []Row
	for _, prov := range sortedKeys(provs) {
		prof := profiles[prov]
		var envVar, envVal string
		if prof != nil && !prof.NoKey {
			envVar, envVal = EnvKey(prof, DefaultName, getenv)
		}
		if envVar != "" {
			rows = append(rows, Row{Provider: prov, Name: DefaultName, Source: EnvSource(envVar), Fingerprint: Fingerprint(envVal), Default: true})
		}
		haveDefault := false
		for _, sk := range stored[prov] {
			name := sk.Name
			r := Row{Provider: prov, Name: name, Source: Source(sk.Backend), PinnedHost: sk.Host}
			if sk.Key != "" {
				r.Fingerprint = Fingerprint(sk.Key)
			}
			if k := sk.Meta; k != nil {
				if r.Source == "" {
					r.Source = Source(k.Backend)
				}
				if r.Fingerprint == "" {
					r.Fingerprint = k.Fingerprint
				}
				r.Created, r.LastRotated, r.LastVerified, r.VerifiedHost = k.Created, k.LastRotated, k.LastVerified, k.VerifiedHost
				if since := k.Since(); !since.IsZero() {
					r.Age = now.Sub(since)
				}
				r.RotateDue = k.RotateDue()
				r.Overdue = !r.RotateDue.IsZero() && !now.Before(r.RotateDue)
				r.HasPrevious, r.Grant = k.Previous != nil, k.Grant
			} else if sk.Backend == BackendFile {
				_, r.HasPrevious = m.fileHas(prov, name+previousSuffix)
			}
			switch {
			case r.Source == SourceKeyring && keyringDown != nil:
				r.Note = "not used: " + keyringDown.Error()
			case name == DefaultName && envVar != "":
				r.Note = "overridden by " + envVar
			default:
				r.Note = pinNote(sk, prof)
				if name == DefaultName {
					r.Default, haveDefault = true, true
				}
			}
			rows = append(rows, r)
		}
		if envVar == "" && !haveDefault && prof != nil && !prof.NoKey && strings.TrimSpace(prof.KeyCmd) != "" {
			rows = append(rows, Row{Provider: prov, Name: DefaultName, Source: SourceCmd, Default: true})
		}
	}
	return rows, nil
}

// pinNote says why a stored key would not be sent to its profile's host,
// "" if it would be (or that is not known).
func pinNote(k foundKey, prof *catalog.Profile) string {
	test := keysCmd("test", k.Provider, k.Name)
	switch {
	case k.Missing:
		return "missing from the keyring: run '" + keysCmd("set", k.Provider, k.Name) + "'"
	case k.Host == "" && k.Backend != "":
		return "not sent: " + whereStored(k.Backend) + ", not verified for any host (see '" + test + "')"
	case k.Host == "" || prof == nil:
		return ""
	}
	if host, err := hostOf(prof.BaseURL); err == nil && host != k.Host {
		return "not sent: " + k.pin().pinned() + ", the profile points at " + host + " (see '" + test + "')"
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sortedNames puts "default" first, then the others in order.
func sortedNames(m map[string]bool) []string {
	out := sortedKeys(m)
	sort.SliceStable(out, func(i, j int) bool { return out[i] == DefaultName && out[j] != DefaultName })
	return out
}
