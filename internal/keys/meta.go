package keys

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/store"
)

// Where a stored key lives (KeyMeta.Backend).
const (
	BackendKeyring = "keyring"
	BackendFile    = "file"
)

// DefaultRotateAfter is how old a key may get before `tier` reminds the
// user to rotate it.
const DefaultRotateAfter = 90 * 24 * time.Hour

// metaFileName is the state store file (keys.json) holding KeyMeta.
const metaFileName = "keys"

// Fingerprint shows the end of a key without revealing it: "…" and the last
// 4 characters of a key of 8 or more, the last 2 of a key of 4 to 7, and
// nothing of a shorter one.
func Fingerprint(key string) string {
	r := []rune(key)
	n := 0
	switch {
	case len(r) >= 8:
		n = 4
	case len(r) >= 4:
		n = 2
	}
	return "…" + string(r[len(r)-n:])
}

// KeyMeta is what tier records about a stored key: never the secret, only
// its fingerprint.
type KeyMeta struct {
	Provider    string `json:"provider"`
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
	// Backend is where the secret is: BackendKeyring or BackendFile.
	Backend string `json:"backend"`
	// Created is when this name was first set (zero if unknown).
	Created time.Time `json:"created,omitzero"`
	// LastRotated is when the current secret replaced another by rotation.
	LastRotated  time.Time `json:"last_rotated,omitzero"`
	LastVerified time.Time `json:"last_verified,omitzero"`
	// VerifiedHost is the API host that accepted the key; the key is not
	// sent elsewhere (see CheckHost).
	VerifiedHost string `json:"verified_host,omitempty"`
	// RotateAfter: 0 means DefaultRotateAfter, negative means never remind.
	RotateAfter  Duration  `json:"rotate_after,omitzero"`
	Grant        *Grant    `json:"grant,omitempty"`
	LastReminded time.Time `json:"last_reminded,omitzero"`
	// Previous describes the secret kept under NAME.previous by Rotate.
	Previous *PreviousKey `json:"previous,omitempty"`
	// RolledBack is when Rollback last made the previous key the current
	// one; a set or a rotation clears it. A second rollback is refused.
	RolledBack time.Time `json:"rolled_back,omitzero"`
}

// PreviousKey is the part of KeyMeta that belongs to one secret, kept for
// the secret a rotation replaced so that Rollback can restore it.
type PreviousKey struct {
	Fingerprint  string    `json:"fingerprint"`
	Since        time.Time `json:"since,omitzero"`
	LastVerified time.Time `json:"last_verified,omitzero"`
	VerifiedHost string    `json:"verified_host,omitempty"`
}

// Grant is a credit grant that came with a key.
type Grant struct {
	Amount  float64   `json:"amount"`
	Unit    string    `json:"unit"` // "USD", "tokens", ...
	Granted time.Time `json:"granted,omitzero"`
	Expires time.Time `json:"expires,omitzero"` // zero: no expiry
}

// Since is when the current secret was put in place.
func (k *KeyMeta) Since() time.Time {
	if !k.LastRotated.IsZero() {
		return k.LastRotated
	}
	return k.Created
}

// RotateEvery is the rotation period in force; 0 means never.
func (k *KeyMeta) RotateEvery() time.Duration {
	switch {
	case k.RotateAfter < 0:
		return 0
	case k.RotateAfter == 0:
		return DefaultRotateAfter
	}
	return time.Duration(k.RotateAfter)
}

// RotateDue is when the key should be rotated; zero if never or unknown.
func (k *KeyMeta) RotateDue() time.Time {
	every := k.RotateEvery()
	if every == 0 || k.Since().IsZero() {
		return time.Time{}
	}
	return k.Since().Add(every)
}

func (k *KeyMeta) current() PreviousKey {
	return PreviousKey{Fingerprint: k.Fingerprint, Since: k.Since(), LastVerified: k.LastVerified, VerifiedHost: k.VerifiedHost}
}

func (k *KeyMeta) setCurrent(p PreviousKey) {
	k.Fingerprint, k.LastVerified, k.VerifiedHost = p.Fingerprint, p.LastVerified, p.VerifiedHost
	k.LastRotated = p.Since
	if p.Since.Equal(k.Created) {
		k.LastRotated = time.Time{}
	}
}

// metaFile is keys.json in the state directory.
type metaFile struct {
	Version   int                            `json:"version"`
	Providers map[string]map[string]*KeyMeta `json:"providers,omitempty"`
}

func (f *metaFile) get(provider, name string) *KeyMeta {
	return f.Providers[provider][name]
}

func (f *metaFile) put(k *KeyMeta) {
	if f.Providers == nil {
		f.Providers = map[string]map[string]*KeyMeta{}
	}
	if f.Providers[k.Provider] == nil {
		f.Providers[k.Provider] = map[string]*KeyMeta{}
	}
	f.Providers[k.Provider][k.Name] = k
}

func (f *metaFile) remove(provider, name string) {
	delete(f.Providers[provider], name)
	if len(f.Providers[provider]) == 0 {
		delete(f.Providers, provider)
	}
}

// Meta returns the metadata of a stored key, nil if none.
func (m *Manager) Meta(provider, name string) (*KeyMeta, error) {
	f, err := store.Read[metaFile](m.Store, metaFileName)
	if err != nil {
		return nil, err
	}
	return f.get(provider, normName(name)), nil
}

// AllMeta returns the metadata of every stored key, by provider then name.
func (m *Manager) AllMeta() (map[string]map[string]*KeyMeta, error) {
	f, err := store.Read[metaFile](m.Store, metaFileName)
	if err != nil {
		return nil, err
	}
	return f.Providers, nil
}

func (m *Manager) updateMeta(fn func(f *metaFile) error) error {
	return store.Update(m.Store, metaFileName, func(f *metaFile) error {
		f.Version = 1
		return fn(f)
	})
}

// Duration is a time.Duration written in JSON as "90d" or a Go duration.
type Duration time.Duration

func (d Duration) String() string {
	td := time.Duration(d)
	if td != 0 && td%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(td/(24*time.Hour)), 10) + "d"
	}
	return td.String()
}

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ParseDuration reads "90d", "12w" or a Go duration ("36h"); "never" is -1.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "never" {
		return -1, nil
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseFloat(n, 64)
			if err != nil || v < 0 {
				break
			}
			return time.Duration(v * float64(unit)), nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: write e.g. 90d, 12w, 36h or never", s)
	}
	return v, nil
}

// ageText says how old something of age d is: whole days from a day on,
// else hours, else minutes ("1 day old", "13 hours old", "less than a
// minute old").
func ageText(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " old"
	case d >= time.Hour:
		return plural(int(d/time.Hour), "hour") + " old"
	case d >= time.Minute:
		return plural(int(d/time.Minute), "minute") + " old"
	}
	return "less than a minute old"
}

// plural is "1 key", "2 keys".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// periodText writes a rotation period as it would be given: 90d, 36h,
// 1h30m, 1s.
func periodText(d time.Duration) string {
	s := Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
