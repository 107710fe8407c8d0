package keys

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tier-cli/tier/internal/store"
)

// kindError is an error of a sentinel kind with its own one-line message.
type kindError struct {
	kind  error
	msg   string
	cause error
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.kind }
func (e *kindError) Unwrap() error        { return e.cause }

// slot is one place secrets are stored for a provider: the keyring or the
// plaintext file, addressed by keyring user (NAME or NAME.previous).
type slot struct {
	backend string
	get     func(user string) (string, error)
	set     func(user, secret string) error
	del     func(user string) error
}

func (m *Manager) keyringSlot(provider string) slot {
	svc := Service(provider)
	return slot{
		backend: BackendKeyring,
		get:     func(u string) (string, error) { return m.Backend.Get(svc, u) },
		set:     func(u, s string) error { return m.Backend.Set(svc, u, s) },
		del:     func(u string) error { return m.Backend.Delete(svc, u) },
	}
}

func (m *Manager) fileSlot(provider string) slot {
	return slot{
		backend: BackendFile,
		get:     func(u string) (string, error) { return m.fileGet(provider, u) },
		set:     func(u, s string) error { return m.fileSet(provider, u, s) },
		del: func(u string) error {
			found, err := m.fileDelete(provider, u)
			if err == nil && !found {
				err = ErrNotFound
			}
			return err
		},
	}
}

// locate finds where the stored key name of provider is (keyring first,
// like Resolve) and returns it.
func (m *Manager) locate(provider, name string) (slot, string, error) {
	s, kerr := m.Backend.Get(Service(provider), name)
	if kerr == nil {
		return m.keyringSlot(provider), s, nil
	}
	s, err := m.fileGet(provider, name)
	if err == nil {
		return m.fileSlot(provider), s, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return slot{}, "", err
	}
	if !errors.Is(kerr, ErrNotFound) {
		return slot{}, "", fmt.Errorf("cannot read the keyring (%w): run 'tier keys doctor'", kerr)
	}
	return slot{}, "", &kindError{kind: ErrNotStored, msg: fmt.Sprintf("no stored key %s: run '%s'", keyLabel(provider, name), keysCmd("set", provider, name))}
}

// keyLabel names a key in messages: `for groq`, or `"work" for groq`.
func keyLabel(provider, name string) string {
	if name == DefaultName {
		return "for " + provider
	}
	return fmt.Sprintf("%q for %s", name, provider)
}

// storeError explains a failed keyring write and what to do instead; it
// never falls back to the plaintext file.
func storeError(provider, name string, err error) error {
	return fmt.Errorf("cannot store the key %s in the keyring (%w): run 'tier keys doctor', or keep it in a plaintext file with '%s --insecure-storage'",
		keyLabel(provider, name), err, keysCmd("set", provider, name))
}

// InsecureWarning is the warning callers print after storing a key with
// SetOptions.Insecure.
func InsecureWarning(path string) string {
	return fmt.Sprintf("warning: the key is stored in plaintext in %s (readable only by you); anyone who can read your files or backups can use it", path)
}

// SetOptions configures Set.
type SetOptions struct {
	// BaseURL is where the key is verified (GET BaseURL/models); required
	// unless NoVerify. The key is pinned to its host even when it is not
	// verified; with no BaseURL it is pinned to none, and not sent anywhere
	// until 'tier keys test' verifies it.
	BaseURL  string
	NoVerify bool
	// Insecure stores the key in the plaintext file instead of the
	// keyring (--insecure-storage); the caller prints a warning.
	Insecure bool
	// RotateAfter: 0 means DefaultRotateAfter, negative means never remind.
	RotateAfter time.Duration
	Grant       *Grant
}

// Result says what Set, Rotate or Rollback did.
type Result struct {
	Backend string `json:"backend"`
	// Path is the plaintext file when Backend is BackendFile.
	Path                string `json:"path,omitempty"`
	Fingerprint         string `json:"fingerprint"`
	PreviousFingerprint string `json:"previous_fingerprint,omitempty"`
	// PreviousKept: the replaced key is kept under NAME.previous.
	PreviousKept bool `json:"previous_kept,omitempty"`
	// Verify is nil when verification was skipped.
	Verify *VerifyResult `json:"verify,omitempty"`
	// PinnedHost is the host the key is pinned to ("" none).
	PinnedHost string `json:"pinned_host,omitempty"`
}

// Set verifies secret against opts.BaseURL (unless NoVerify), refuses it
// with ErrRefused on 401/403 (storing nothing), stores it in the keyring
// (or, only when opts.Insecure, the plaintext file) and records its
// metadata. The key it replaces in the same store is kept under
// NAME.previous for Rollback. A copy in the other store is removed so that
// it cannot shadow the new key or linger in plaintext.
func (m *Manager) Set(ctx context.Context, provider, name, secret string, opts SetOptions) (Result, error) {
	name = normName(name)
	if err := checkNames(provider, name); err != nil {
		return Result{}, err
	}
	if err := ValidateSecret(secret); err != nil {
		return Result{}, err
	}
	if !opts.Insecure {
		if err := m.KeyringReady(); err != nil {
			return Result{}, err // before verifying: nothing could be stored anyway
		}
	}
	res := Result{Fingerprint: Fingerprint(secret)}
	if !opts.NoVerify {
		if opts.BaseURL == "" {
			return res, fmt.Errorf("no base URL to verify the key %s against: fix base_url in its profile, or skip the check with --no-verify", keyLabel(provider, name))
		}
		v := Verify(ctx, m.httpClient(), opts.BaseURL, secret)
		res.Verify = &v
		if v.Status == VerifyRefused {
			return res, &kindError{kind: ErrRefused, msg: v.Message + "; nothing was stored"}
		}
	}
	// The host the key is pinned to travels with it: the one that accepted
	// it, else the one it was stored for (an unverified key goes nowhere
	// else either).
	pin := ""
	if res.Verify != nil && res.Verify.Status == VerifyOK {
		pin = res.Verify.Host
	} else if opts.BaseURL != "" {
		pin, _ = hostOf(opts.BaseURL)
	}
	res.PinnedHost = pin
	sealed, err := sealSecret(secret, pin)
	if err != nil {
		return res, err
	}
	// The key this replaces in the same store is kept under NAME.previous,
	// as rotate does, so that a rollback restores it; it is written first,
	// so that NAME holds a working key at every moment.
	sl := m.keyringSlot(provider)
	if opts.Insecure {
		sl = m.fileSlot(provider)
	}
	var replaced *PreviousKey
	if oldStored, err := sl.get(name); err == nil {
		if oldKey, oldHost := OpenSecret(oldStored); oldKey != secret {
			res.PreviousFingerprint = Fingerprint(oldKey)
			if err := sl.set(name+previousSuffix, oldStored); err != nil {
				return res, fmt.Errorf("cannot keep the key it replaces as the previous one (%w); nothing was stored", err)
			}
			res.PreviousKept = true
			replaced = &PreviousKey{Fingerprint: res.PreviousFingerprint, VerifiedHost: oldHost}
		}
	}
	users := []string{name, name + previousSuffix}
	if opts.Insecure {
		if err := m.fileSet(provider, name, sealed); err != nil {
			return res, fmt.Errorf("cannot write %s: %v", m.InsecurePath(), err)
		}
		res.Backend, res.Path = BackendFile, m.InsecurePath()
		// A keyring copy would shadow the file; the keyring may well be
		// unreachable (the reason for --insecure-storage), so best effort.
		for _, u := range users {
			if err := m.Backend.Delete(Service(provider), u); err != nil && !errors.Is(err, ErrNotFound) {
				break // unreachable or hung: do not wait for it twice
			}
		}
	} else {
		if err := m.Backend.Set(Service(provider), name, sealed); err != nil {
			return res, storeError(provider, name, err)
		}
		res.Backend = BackendKeyring
		if _, err := m.fileDelete(provider, users...); err != nil {
			return res, fmt.Errorf("the key is in the keyring, but its old plaintext copy could not be removed from %s (%v): remove it by hand", m.InsecurePath(), err)
		}
	}
	now := m.now()
	rotate := opts.RotateAfter
	if rotate == 0 {
		rotate = DefaultRotateAfter
	}
	err = m.updateMeta(func(f *metaFile) error {
		k := &KeyMeta{
			Provider: provider, Name: name, Fingerprint: res.Fingerprint, Backend: res.Backend,
			Created: now, RotateAfter: Duration(rotate), Grant: opts.Grant,
		}
		if res.Verify != nil && res.Verify.Status == VerifyOK {
			k.LastVerified, k.VerifiedHost = now, res.Verify.Host
		}
		// The replaced key is the previous one now; otherwise NAME.previous
		// survives a set in the same store (Rollback still works); the
		// other store's copy was removed above.
		old := f.get(provider, name)
		switch {
		case replaced != nil:
			if old != nil && old.Fingerprint == replaced.Fingerprint {
				p := old.current()
				if replaced.VerifiedHost != "" {
					p.VerifiedHost = replaced.VerifiedHost
				}
				replaced = &p
			}
			k.Previous = replaced
		case old != nil:
			if old.Fingerprint != k.Fingerprint && res.PreviousFingerprint == "" {
				res.PreviousFingerprint = old.Fingerprint
			}
			if old.Backend == k.Backend {
				k.Previous = old.Previous
			}
		}
		f.put(k)
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("the key is stored, but its record could not be saved (%v): run '%s' again", err, keysCmd("set", provider, name))
	}
	return res, nil
}

// KeyringReady says, without calling the keyring, whether it can be tried:
// nil, or an error matching ErrUnavailable with the reason (no session bus,
// TIER_NO_KEYRING). A backend that cannot tell is taken as ready.
func (m *Manager) KeyringReady() error {
	if a, ok := m.Backend.(interface{ Available() error }); ok {
		if err := a.Available(); err != nil {
			return fmt.Errorf("%w: store the key another way: an environment variable, key_cmd in its profile, or --insecure-storage (see 'tier keys doctor')", err)
		}
	}
	return nil
}

// RotateOptions configures Rotate.
type RotateOptions struct {
	// BaseURL is where the new key is verified; required unless NoVerify.
	BaseURL  string
	NoVerify bool
}

// Rotate replaces the stored key name of provider with newSecret, keeping
// the old one under NAME.previous for Rollback. The new key is verified
// first: refused or unreachable changes nothing. Writes go in an order
// that leaves a working key under NAME at every moment: the old secret is
// copied to NAME.previous, then NAME is replaced in one step.
func (m *Manager) Rotate(ctx context.Context, provider, name, newSecret string, opts RotateOptions) (Result, error) {
	name = normName(name)
	if err := checkNames(provider, name); err != nil {
		return Result{}, err
	}
	if err := ValidateSecret(newSecret); err != nil {
		return Result{}, err
	}
	sl, oldStored, err := m.locate(provider, name)
	if err != nil {
		return Result{}, err
	}
	meta, err := m.Meta(provider, name)
	if err != nil {
		return Result{}, err
	}
	old, oldHost := OpenSecret(oldStored)
	oldHost = pinnedHost(oldHost, meta)
	res := Result{Backend: sl.backend, Fingerprint: Fingerprint(newSecret), PreviousFingerprint: Fingerprint(old)}
	if sl.backend == BackendFile {
		res.Path = m.InsecurePath()
	}
	if old == newSecret {
		return res, fmt.Errorf("the new key is the one already stored %s: create a new key at the provider first", keyLabel(provider, name))
	}
	if !opts.NoVerify {
		if opts.BaseURL == "" {
			return res, fmt.Errorf("no base URL to verify the new key %s against: fix base_url in its profile, or skip the check with --no-verify", keyLabel(provider, name))
		}
		v := Verify(ctx, m.httpClient(), opts.BaseURL, newSecret)
		res.Verify = &v
		switch v.Status {
		case VerifyRefused:
			return res, &kindError{kind: ErrRefused, msg: v.Message + "; nothing was changed"}
		case VerifyUnreachable:
			return res, fmt.Errorf("%s; nothing was changed (retry later, or skip the check with --no-verify)", v.Message)
		}
	}
	// An unverified new key keeps the old key's host pin, else takes the
	// host it is stored for.
	pin := oldHost
	if res.Verify != nil && res.Verify.Status == VerifyOK {
		pin = res.Verify.Host
	} else if pin == "" && opts.BaseURL != "" {
		pin, _ = hostOf(opts.BaseURL)
	}
	res.PinnedHost = pin
	sealedNew, err := sealSecret(newSecret, pin)
	if err != nil {
		return res, err
	}
	sealedOld, err := sealSecret(old, oldHost)
	if err != nil {
		sealedOld = oldStored
	}
	prevUser := name + previousSuffix
	oldPrev, err := sl.get(prevUser)
	hadPrev := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return res, fmt.Errorf("cannot read the %s (%w); nothing was changed", sl.backend, err)
	}
	if err := sl.set(prevUser, sealedOld); err != nil {
		return res, fmt.Errorf("cannot keep the current key as the previous one (%w); nothing was changed", err)
	}
	if err := sl.set(name, sealedNew); err != nil {
		// NAME still holds the old key; put NAME.previous back as it was.
		if hadPrev {
			sl.set(prevUser, oldPrev)
		} else {
			sl.del(prevUser)
		}
		return res, fmt.Errorf("cannot store the new key (%w); the current key %s is still in use", err, res.PreviousFingerprint)
	}
	now := m.now()
	err = m.updateMeta(func(f *metaFile) error {
		k := f.get(provider, name)
		if k == nil {
			k = &KeyMeta{Provider: provider, Name: name, RotateAfter: Duration(DefaultRotateAfter)}
		}
		prev := k.current()
		prev.Fingerprint = res.PreviousFingerprint
		k.Previous = &prev
		k.Backend, k.Fingerprint, k.LastRotated, k.LastReminded = sl.backend, res.Fingerprint, now, time.Time{}
		k.RolledBack = time.Time{}
		k.LastVerified = time.Time{}
		// An unverified new key keeps the old key's host pin.
		if res.Verify != nil && res.Verify.Status == VerifyOK {
			k.LastVerified, k.VerifiedHost = now, res.Verify.Host
		}
		f.put(k)
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("the key was rotated, but its record could not be saved (%v): run '%s' to record it", err, keysCmd("test", provider, name))
	}
	return res, nil
}

// Rollback swaps the stored key name of provider with NAME.previous, so
// that the key a rotation replaced is used again (and the replacing key
// becomes the previous one). It fails if there is no previous key, and
// refuses a second rollback in a row (it would only swap back).
func (m *Manager) Rollback(provider, name string) (Result, error) {
	name = normName(name)
	if err := checkNames(provider, name); err != nil {
		return Result{}, err
	}
	sl, cur, err := m.locate(provider, name)
	if err != nil {
		return Result{}, err
	}
	if k, err := m.Meta(provider, name); err != nil {
		return Result{}, err
	} else if k != nil && !k.RolledBack.IsZero() && k.Previous != nil {
		return Result{}, fmt.Errorf("already rolled back: %s is in use and %s is the previous key; to use %s again, run '%s' and paste it",
			k.Fingerprint, k.Previous.Fingerprint, k.Previous.Fingerprint, keysCmd("rotate", provider, name))
	}
	prevUser := name + previousSuffix
	prev, err := sl.get(prevUser)
	if errors.Is(err, ErrNotFound) {
		return Result{}, &kindError{kind: ErrNotStored, msg: fmt.Sprintf("no previous key %s to roll back to: rollback undoes '%s'", keyLabel(provider, name), keysCmd("rotate", provider, name))}
	}
	if err != nil {
		return Result{}, fmt.Errorf("cannot read the previous key from the %s (%w); nothing was changed", sl.backend, err)
	}
	// The stored values are swapped whole: each key keeps its own host pin.
	prevKey, prevHost := OpenSecret(prev)
	curKey, _ := OpenSecret(cur)
	res := Result{Backend: sl.backend, Fingerprint: Fingerprint(prevKey), PreviousFingerprint: Fingerprint(curKey), PinnedHost: prevHost}
	if sl.backend == BackendFile {
		res.Path = m.InsecurePath()
	}
	if err := sl.set(name, prev); err != nil {
		return res, fmt.Errorf("cannot roll back (%w); nothing was changed", err)
	}
	if err := sl.set(prevUser, cur); err != nil {
		if uerr := sl.set(name, cur); uerr == nil {
			return res, fmt.Errorf("cannot roll back (%w); nothing was changed", err)
		}
		return res, fmt.Errorf("rollback half done: key %s is in use again, but %s could not be kept as the previous key (%w)", res.Fingerprint, res.PreviousFingerprint, err)
	}
	err = m.updateMeta(func(f *metaFile) error {
		k := f.get(provider, name)
		if k == nil {
			k = &KeyMeta{Provider: provider, Name: name, RotateAfter: Duration(DefaultRotateAfter)}
		}
		now := k.current()
		now.Fingerprint = res.PreviousFingerprint
		var p PreviousKey
		if k.Previous != nil {
			p = *k.Previous
		}
		p.Fingerprint = res.Fingerprint
		k.setCurrent(p)
		k.Previous, k.Backend, k.LastReminded = &now, sl.backend, time.Time{}
		k.RolledBack = m.now()
		f.put(k)
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("rolled back, but the key's record could not be saved (%v): run '%s' to record it", err, keysCmd("test", provider, name))
	}
	return res, nil
}

// Remove deletes the key name of provider (and NAME.previous) from the
// keyring and the plaintext file, then its metadata. If the keyring cannot
// be reached and may hold the key, nothing is forgotten.
func (m *Manager) Remove(provider, name string) error {
	name = normName(name)
	if err := checkNames(provider, name); err != nil {
		return err
	}
	meta, err := m.Meta(provider, name)
	if err != nil {
		return err
	}
	users := []string{name, name + previousSuffix}
	removed := false
	var kerr error
	for _, u := range users {
		err := m.Backend.Delete(Service(provider), u)
		if err == nil {
			removed = true
		} else if !errors.Is(err, ErrNotFound) {
			kerr = err
			break
		}
	}
	inFile, err := m.fileDelete(provider, users...)
	if err != nil {
		return err
	}
	if kerr != nil && !(inFile && (meta == nil || meta.Backend == BackendFile)) {
		return fmt.Errorf("cannot remove the key %s from the keyring (%w): run 'tier keys doctor', then retry", keyLabel(provider, name), kerr)
	}
	if !removed && !inFile && meta == nil {
		return &kindError{kind: ErrNotStored, msg: fmt.Sprintf("no stored key %s: nothing to remove", keyLabel(provider, name))}
	}
	return m.updateMeta(func(f *metaFile) error {
		f.remove(provider, name)
		return nil
	})
}

// RemoveAll deletes every key of provider from the keyring and the
// plaintext file, and their metadata.
func (m *Manager) RemoveAll(provider string) error {
	if err := checkNames(provider, DefaultName); err != nil {
		return err
	}
	all, err := m.AllMeta()
	if err != nil {
		return err
	}
	kerr := m.Backend.DeleteAll(Service(provider))
	if errors.Is(kerr, ErrNotFound) {
		kerr = nil
	}
	inFile, err := m.fileDelete(provider)
	if err != nil {
		return err
	}
	if kerr != nil {
		keyringHeld := !inFile && len(all[provider]) == 0
		for _, k := range all[provider] {
			if k.Backend != BackendFile {
				keyringHeld = true
			}
		}
		if keyringHeld {
			return fmt.Errorf("cannot remove the keys of %s from the keyring (%w): run 'tier keys doctor', then retry", provider, kerr)
		}
	}
	return m.updateMeta(func(f *metaFile) error {
		delete(f.Providers, provider)
		return nil
	})
}

// Reminder returns a rotation reminder for the stored key name of provider
// when it is due and none was given in the last 24 hours (and records that
// one was given); otherwise "".
func (m *Manager) Reminder(provider, name string) (string, error) {
	name = normName(name)
	now := m.now()
	due := func(k *KeyMeta) bool {
		if k == nil {
			return false
		}
		d := k.RotateDue()
		return !d.IsZero() && !now.Before(d) && (k.LastReminded.IsZero() || now.Sub(k.LastReminded) >= 24*time.Hour)
	}
	// Checked without the lock first: this runs after every request.
	f, err := store.Read[metaFile](m.Store, metaFileName)
	if err != nil || !due(f.get(provider, name)) {
		return "", err
	}
	var msg string
	err = m.updateMeta(func(f *metaFile) error {
		k := f.get(provider, name)
		if !due(k) {
			return errNoChange
		}
		k.LastReminded = now
		msg = fmt.Sprintf("the key %s (%s) is %s, past its rotation period of %s: run '%s'",
			keyLabel(provider, name), k.Fingerprint, ageText(now.Sub(k.Since())), periodText(k.RotateEvery()), keysCmd("rotate", provider, name))
		return nil
	})
	if errors.Is(err, errNoChange) {
		return "", nil
	}
	return msg, err
}

var errNoChange = errors.New("no change")
