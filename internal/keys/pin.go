package keys

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tier-cli/tier/internal/catalog"
)

// The host pin travels with the secret: what tier stores in a keyring item
// (and in the plaintext file) is a small JSON envelope holding the key and
// the API host it is pinned to, so that losing the state directory (where
// the key metadata lives) cannot unpin a key. A stored value that is not an
// envelope (written by an older tier, by secret-tool, synced from another
// machine) is a bare key with no host on record: it is not sent anywhere
// until 'tier keys test' verifies it and pins it.

// envelopePrefix starts every envelope; a bare key never looks like it.
const envelopePrefix = `{"tier_key":`

// envelopeReserve is what the envelope may add to a key: the JSON around it
// and a host name of up to 253 characters with a port.
const envelopeReserve = 320

// MaxKeyLen is the longest key accepted: the keyring item holding it with
// its host must fit in MaxSecretLen.
const MaxKeyLen = MaxSecretLen - envelopeReserve

type envelope struct {
	Version int    `json:"tier_key"`
	Host    string `json:"host,omitempty"`
	Key     string `json:"key"`
}

// sealSecret wraps key and the host it is pinned to ("" for none) for the
// keyring.
func sealSecret(key, host string) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(envelope{Version: 1, Host: host, Key: key}); err != nil {
		return "", err
	}
	s := strings.TrimSuffix(b.String(), "\n")
	if len(s) > MaxSecretLen {
		return "", fmt.Errorf("the key with its host is %d bytes; the keyring holds up to %d bytes on every OS: check what you pasted", len(s), MaxSecretLen)
	}
	return s, nil
}

// OpenSecret unwraps a value tier stored in the keyring (or the plaintext
// file): the key and the host it is pinned to ("" when none is on record,
// as for a bare key stored by an older tier or another program).
func OpenSecret(stored string) (key, host string) {
	if !strings.HasPrefix(stored, envelopePrefix) {
		return stored, ""
	}
	var e envelope
	if err := json.Unmarshal([]byte(stored), &e); err != nil || e.Key == "" || e.Version < 1 {
		return stored, ""
	}
	return e.Key, e.Host
}

// pinnedHost is the host on record for a stored key: the one in its
// keyring item, else (a key stored by an older tier) the one in its
// metadata; "" when there is none.
func pinnedHost(envHost string, meta *KeyMeta) string {
	if envHost != "" {
		return envHost
	}
	if meta != nil {
		return meta.VerifiedHost
	}
	return ""
}

// storedPin is what the host check needs to know of a stored key.
type storedPin struct {
	Provider, Name, Fingerprint string
	// Where is "in the keyring" or "in the plaintext file".
	Where string
	// Host is the host on record ("" for none).
	Host string
	// Check is whether Host accepted the key, as tier's record says: a
	// key stored unverified (its host unreachable, --no-verify) is pinned
	// to the host it was stored for, never verified there.
	Check pinCheck
}

// pinCheck is what tier's record says of the key at the host it is pinned
// to.
type pinCheck int

const (
	pinCheckUnknown    pinCheck = iota // no record of this key (state lost, stored by another program)
	pinCheckVerified                   // the host accepted it ('keys set', 'keys test')
	pinCheckUnverified                 // stored for the host without a check
)

// checkOf reads the record meta of the key with fingerprint fp pinned to
// host.
func checkOf(meta *KeyMeta, fp, host string) pinCheck {
	switch {
	case meta == nil || host == "" || fp != "" && meta.Fingerprint != fp:
		return pinCheckUnknown
	case meta.VerifiedHost == host && !meta.LastVerified.IsZero():
		return pinCheckVerified
	}
	return pinCheckUnverified
}

// pinned says where the key may go, and no more than tier knows: "verified
// for HOST", "pinned to HOST (stored unverified)", or "pinned to HOST" when
// tier has no record of a check.
func (k storedPin) pinned() string {
	switch k.Check {
	case pinCheckVerified:
		return "verified for " + k.Host
	case pinCheckUnverified:
		return "pinned to " + k.Host + " (stored unverified)"
	}
	return "pinned to " + k.Host
}

func whereStored(backend string) string {
	if backend == BackendFile {
		return "in the plaintext file"
	}
	return "in the keyring"
}

// checkHost refuses to send a stored key to baseURL unless baseURL's host
// is the one the key is pinned to. A key with no host on record is never
// sent. Keys from environment variables or key_cmd are the user's explicit
// choice and are not checked (KeyFor calls this only for stored keys).
func checkHost(k storedPin, baseURL string) error {
	host, err := hostOf(baseURL)
	if err != nil {
		return err
	}
	if k.Host != "" && host == k.Host {
		return nil
	}
	test := keysCmd("test", k.Provider, k.Name)
	if k.Host == "" {
		return fmt.Errorf("the key %s (%s) is %s, not verified for any host, so tier does not send it; only if you trust %s, run '%s' to verify it there and pin it",
			keyLabel(k.Provider, k.Name), k.Fingerprint, k.Where, host, test)
	}
	verb := "is"
	if k.Check == pinCheckVerified {
		verb = "was"
	}
	return fmt.Errorf("key %q for %s (%s) %s %s, but the profile now points at %s; only if you trust %s, run '%s' to verify it there and pin it",
		k.Name, k.Provider, k.Fingerprint, verb, k.pinned(), host, host, test)
}

// foundKey is one stored key as List and Doctor see it.
type foundKey struct {
	Provider, Name string
	// Meta is tier's record of the key (nil: none, e.g. an entry stored
	// with secret-tool, or the state directory was lost).
	Meta *KeyMeta
	// Backend is where the key was found: BackendKeyring, BackendFile, or
	// "" when it was not read (the keyring unusable, or without the entry
	// its record says it holds: Missing).
	Backend string
	Key     string
	// Host is the host on record ("" none; unknown when the key was not
	// read and its record has none).
	Host    string
	Missing bool
}

func (k foundKey) pin() storedPin {
	fp := Fingerprint(k.Key)
	where := whereStored(k.Backend)
	if k.Key == "" && k.Meta != nil {
		fp, where = k.Meta.Fingerprint, whereStored(k.Meta.Backend)
	}
	return storedPin{Provider: k.Provider, Name: k.Name, Fingerprint: fp, Where: where, Host: k.Host,
		Check: checkOf(k.Meta, fp, k.Host)}
}

// findStored lists every stored key: those tier has a record of, those in
// the plaintext file, and, when readKeyring, the default key of every
// profile that needs one, looked up in the keyring (the keyring cannot be
// listed, so a named key tier has no record of is not found). The keyring
// is not asked again once it failed to answer. Sorted by provider, the
// default key first.
func (m *Manager) findStored(profiles map[string]*catalog.Profile, readKeyring bool) ([]foundKey, error) {
	all, err := m.AllMeta()
	if err != nil {
		return nil, err
	}
	file, err := m.readInsecure()
	if err != nil {
		return nil, err
	}
	names := map[string]map[string]bool{}
	add := func(p, n string) {
		if names[p] == nil {
			names[p] = map[string]bool{}
		}
		names[p][n] = true
	}
	for p, ks := range all {
		for n := range ks {
			add(p, n)
		}
	}
	for p, users := range file.Keys {
		for u := range users {
			if !isPreviousUser(u) {
				add(p, u)
			}
		}
	}
	if readKeyring {
		for p, prof := range profiles {
			if prof != nil && !prof.NoKey && !prof.Demo {
				add(p, DefaultName)
			}
		}
	}
	var out []foundKey
	keyringOK := readKeyring
	for _, prov := range sortedKeys(names) {
		for _, name := range sortedNames(names[prov]) {
			k := foundKey{Provider: prov, Name: name, Meta: all[prov][name]}
			var stored string
			if keyringOK {
				s, err := m.Backend.Get(Service(prov), name)
				switch {
				case err == nil:
					stored, k.Backend = s, BackendKeyring
				case errors.Is(err, ErrNotFound):
					k.Missing = k.Meta != nil && k.Meta.Backend == BackendKeyring
				default:
					keyringOK = false
				}
			}
			if k.Backend == "" {
				if s, ok := file.Keys[prov][name]; ok {
					stored, k.Backend, k.Missing = s, BackendFile, false
				}
			}
			if k.Backend == "" && k.Meta == nil {
				continue // a default key looked for and not there
			}
			var host string
			if k.Backend != "" {
				k.Key, host = OpenSecret(stored)
			}
			k.Host = pinnedHost(host, k.Meta)
			out = append(out, k)
		}
	}
	return out, nil
}
