package app

import (
	"context"
	"io"

	"github.com/tier-cli/tier/internal/keys"
)

// The keys commands' operations, from the flags' values to what is printed
// (keys/view.go): set, rotate (and roll back), remove, test.

// KeyIO is where a keys operation reads a new key from and says what it
// did: the answer on Out (stdout), notes and warnings on Err (stderr).
type KeyIO struct {
	Out, Err io.Writer
	// ReadKey reads the new key (keys.ReadKey: stdin, or a hidden prompt
	// on a terminal); asked only once everything else is known to be fine.
	ReadKey func() (string, error)
}

// SetKey is what 'tier keys set' is given.
type SetKey struct {
	Provider, Name     string
	Insecure, NoVerify bool
	Grant              keys.GrantSpec
	RotateAfter        string // "" for the default
}

// SetKey verifies and stores a key (keys.Manager.Set) and says so.
func (a *App) SetKey(ctx context.Context, o SetKey, kio KeyIO) error {
	name := keys.NameOr(o.Name)
	p, err := a.KeysProfile(o.Provider)
	if err != nil {
		return err
	}
	opts := keys.SetOptions{NoVerify: o.NoVerify, Insecure: o.Insecure}
	if o.RotateAfter != "" {
		if opts.RotateAfter, err = keys.ParseRotateAfter(o.RotateAfter); err != nil {
			return usageErr(err)
		}
	}
	if opts.Grant, err = keys.NewGrant(o.Grant, p, a.Now()); err != nil {
		return usageErr(err)
	}
	if opts.BaseURL, err = a.BaseURL(p); err != nil {
		if !o.NoVerify {
			return err
		}
		opts.BaseURL = "" // stored pinned to no host; keys.WriteSet says so
	}
	m, err := a.KeyManager()
	if err != nil {
		return err
	}
	if !o.Insecure {
		if err := m.KeyringReady(); err != nil {
			return keysErr(err, nil) // say so before asking for the key
		}
	}
	secret, err := kio.ReadKey()
	if err != nil {
		return usageErr(err)
	}
	res, err := m.Set(ctx, p.Name, name, secret, opts)
	if err != nil {
		return keysErr(err, res.Verify)
	}
	keys.WriteSet(kio.Out, kio.Err, p.Name, name, res, opts.Grant, a.EnvOverride(p, name))
	return nil
}

// RotateKey is what 'tier keys rotate' is given.
type RotateKey struct {
	Provider, Name     string
	NoVerify, Rollback bool
}

// RotateKey replaces a stored key with a new one, keeping the old one
// (keys.Manager.Rotate), or with Rollback restores the one the last
// rotation replaced; and says so.
func (a *App) RotateKey(ctx context.Context, o RotateKey, kio KeyIO) error {
	name := keys.NameOr(o.Name)
	p, err := a.KeysProfile(o.Provider)
	if err != nil {
		return err
	}
	m, err := a.KeyManager()
	if err != nil {
		return err
	}
	if o.Rollback {
		res, err := m.Rollback(p.Name, name)
		if err != nil {
			return keysErr(err, nil)
		}
		keys.WriteRollback(kio.Out, kio.Err, p.Name, name, res, a.EnvOverride(p, name))
		return nil
	}
	opts := keys.RotateOptions{NoVerify: o.NoVerify}
	if opts.BaseURL, err = a.BaseURL(p); err != nil {
		if !o.NoVerify {
			return err
		}
		opts.BaseURL = ""
	}
	secret, err := kio.ReadKey()
	if err != nil {
		return usageErr(err)
	}
	res, err := m.Rotate(ctx, p.Name, name, secret, opts)
	if err != nil {
		return keysErr(err, res.Verify)
	}
	keys.WriteRotate(kio.Out, kio.Err, p.Name, name, res, a.EnvOverride(p, name))
	return nil
}

// RemoveKey removes the key name of provider, or with all every key of it,
// and says so, and what still supplies a key. A provider gone from the
// catalog can still have its keys removed.
func (a *App) RemoveKey(provider, name string, all bool, kio KeyIO) error {
	name = keys.NameOr(name)
	c, err := a.Catalog()
	if err != nil {
		return err
	}
	m, err := a.KeyManager()
	if err != nil {
		return err
	}
	meta, err := m.AllMeta()
	if err != nil {
		return keysErr(err, nil)
	}
	p, perr := c.Profile(provider)
	if perr != nil && meta[provider] == nil {
		return usageErr(perr)
	}
	if p != nil && (p.NoKey || p.Demo) {
		return usagef("%s needs no key: there is nothing to remove", p.Name)
	}
	fp := ""
	if all {
		err = m.RemoveAll(provider)
	} else {
		if k := meta[provider][name]; k != nil {
			fp = k.Fingerprint
		}
		err = m.Remove(provider, name)
	}
	if err != nil {
		return keysErr(err, nil)
	}
	override := ""
	if p != nil {
		override = a.EnvOverride(p, keys.DefaultName)
	}
	keys.WriteRemoved(kio.Out, kio.Err, p, provider, name, fp, all, override)
	return nil
}

// TestKey checks the key tier would send for provider with GET /models
// (keys.Manager.Test) and says so on out; a key that does not work is a
// *keys.VerifyError (its exit code says why).
func (a *App) TestKey(ctx context.Context, provider, name string, out io.Writer) error {
	name = keys.NameOr(name)
	p, err := a.KeysProfile(provider)
	if err != nil {
		return err
	}
	base, err := a.BaseURL(p)
	if err != nil {
		return err
	}
	m, err := a.KeyManager()
	if err != nil {
		return err
	}
	v, r, err := m.Test(ctx, p, name, base)
	if err != nil {
		return keysErr(err, nil)
	}
	what := keys.TestLabel(p.Name, name, r)
	if v.Status != keys.VerifyOK {
		return v.Err(what)
	}
	keys.WriteTest(out, what, v, r)
	return nil
}

// keysErr is the error of a keys operation: a provider that could not be
// reached is a network failure, the rest bad input or configuration (a
// keyring that cannot be used or does not answer included: the message
// says what to fix), unless the error says more (a key refused or
// missing).
func keysErr(err error, v *keys.VerifyResult) error {
	if v != nil && v.Status == keys.VerifyUnreachable {
		return kinded(KindNetwork, err)
	}
	return usageErr(err)
}

// KeyRows are the rows of 'tier keys list' (keys.ListRows): every key of
// every provider, from whichever source, and with all the catalog's
// providers that have none yet.
func (a *App) KeyRows(all bool) ([]keys.JSONRow, error) {
	profiles, m, err := a.KeyProfiles()
	if err != nil {
		return nil, err
	}
	rows, err := m.List(profiles, a.cfg.Getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	c, _ := a.Catalog()
	return keys.ListRows(rows, c, all), nil
}

// KeysDoctor is the report of 'tier keys doctor' (keys.Manager.Doctor,
// Problems never nil) and which source supplies each provider's default
// key (keys.InUseRows).
func (a *App) KeysDoctor(ctx context.Context) (keys.Report, []keys.JSONRow, error) {
	profiles, m, err := a.KeyProfiles()
	if err != nil {
		return keys.Report{}, nil, err
	}
	rep := m.Doctor(ctx, profiles)
	if rep.Problems == nil {
		rep.Problems = []keys.Problem{}
	}
	inUse := []keys.JSONRow{}
	if rows, err := m.List(profiles, a.cfg.Getenv); err == nil {
		inUse = keys.InUseRows(rows)
	}
	return rep, inUse, nil
}
