package keys

import (
	"fmt"
	"io"
	"strings"

	"github.com/tier-cli/tier/internal/catalog"
)

// The view of the keys commands: what 'tier keys set', 'rotate', 'rm',
// 'test', 'list' and 'doctor' print once the Manager has answered. The
// answer goes to out (stdout), notes and warnings to errw (stderr); the
// command layer only chooses the writers. override is the environment
// variable that overrides the key ("" none: EnvKey).

// WriteSet reports a key Set stored: where, what it replaced, whether it
// was verified and where it is pinned, the credit recorded with it.
func WriteSet(out, errw io.Writer, provider, name string, res Result, grant *Grant, override string) {
	where := "in the keyring"
	if res.Backend == BackendFile {
		where = "in " + res.Path
		fmt.Fprintf(errw, "tier: %s\n", InsecureWarning(res.Path))
	}
	if v := res.Verify; v == nil || v.Status != VerifyOK {
		where += ", unverified"
	}
	fmt.Fprintf(out, "Stored %s (%s) %s.\n", Label(provider, name), res.Fingerprint, where)
	switch {
	case res.PreviousKept:
		fmt.Fprintf(errw, "tier: this replaced the key %s, kept as the previous key ('%s --rollback' restores it)\n",
			res.PreviousFingerprint, CmdLine("rotate", provider, name))
	case res.PreviousFingerprint != "":
		fmt.Fprintf(errw, "tier: this replaced the key %s\n", res.PreviousFingerprint)
	}
	if v := res.Verify; v != nil && v.Status == VerifyOK {
		fmt.Fprintf(out, "Verified: %s; the key is pinned to %s.\n", v.Message, v.Host)
	}
	if grant != nil {
		fmt.Fprintf(out, "Credit: %s.\n", grant.Describe())
	}
	writeUnverified(errw, res, provider, name)
	if override != "" {
		warnf(errw, "%s is set and overrides this key: unset it to use the stored one", override)
	}
}

// WriteRotate reports a Rotate: the new key in use, the old one kept.
func WriteRotate(out, errw io.Writer, provider, name string, res Result, override string) {
	fmt.Fprintf(out, "Rotated %s: %s is in use; the previous key %s is kept ('%s --rollback' restores it).\n",
		Label(provider, name), res.Fingerprint, res.PreviousFingerprint, CmdLine("rotate", provider, name))
	if v := res.Verify; v != nil && v.Status == VerifyOK {
		fmt.Fprintf(out, "Verified: %s.\n", v.Message)
	}
	writeUnverified(errw, res, provider, name)
	if override != "" {
		warnf(errw, "%s is set and overrides the stored key: unset it to use the new one", override)
	}
}

// WriteRollback reports a Rollback: the previous key active again.
func WriteRollback(out, errw io.Writer, provider, name string, res Result, override string) {
	fmt.Fprintf(out, "Rolled back: %s is %s again; %s is kept as the previous key.\n",
		Label(provider, name), res.Fingerprint, res.PreviousFingerprint)
	if override != "" {
		warnf(errw, "%s is set and overrides the stored key: unset it to use the stored one", override)
	}
}

// WriteRemoved reports a Remove (fingerprint "" when tier had no record of
// the key) or, with all, a RemoveAll; then, when the default key went, a
// source that still supplies one: the environment variable override, else
// the profile's key_cmd (p nil: gone from the catalog).
func WriteRemoved(out, errw io.Writer, p *catalog.Profile, provider, name, fingerprint string, all bool, override string) {
	if all {
		fmt.Fprintf(out, "Removed every stored key of %s.\n", provider)
	} else {
		if fingerprint != "" {
			fingerprint = " (" + fingerprint + ")"
		}
		fmt.Fprintf(out, "Removed %s%s.\n", Label(provider, name), fingerprint)
	}
	if p != nil && (all || name == DefaultName) {
		if override != "" {
			fmt.Fprintf(errw, "tier: %s still supplies a key for %s\n", override, provider)
		} else if strings.TrimSpace(p.KeyCmd) != "" {
			fmt.Fprintf(errw, "tier: the key_cmd of %s still supplies a key\n", provider)
		}
	}
}

// WriteTest reports a Test of the key r of what (Label with fingerprint
// and source) that the provider accepted: works, and where it is pinned
// now when that changed. v must be VerifyOK.
func WriteTest(out io.Writer, what string, v VerifyResult, r Resolved) {
	fmt.Fprintf(out, "OK: %s works: %s.\n", what, v.Message)
	switch {
	case !r.Source.Stored() || r.Host == v.Host:
	case r.Host == "":
		fmt.Fprintf(out, "The key is now verified for %s and pinned to it (it was not verified for any host).\n", v.Host)
	default:
		fmt.Fprintf(out, "The key is now verified for %s (it was pinned to %s).\n", v.Host, r.Host)
	}
}

// TestLabel is how 'tier keys test' names the key it checked: label,
// fingerprint and source.
func TestLabel(provider, name string, r Resolved) string {
	return fmt.Sprintf("%s (%s from %s)", Label(provider, name), Fingerprint(r.Key), r.Source)
}

// ListRows are the rows of 'tier keys list': every key in rows, and with
// all the catalog's providers that have no key yet (NoKeyRow).
func ListRows(rows []Row, c *catalog.Catalog, all bool) []JSONRow {
	out := make([]JSONRow, 0, len(rows))
	have := map[string]bool{}
	for _, r := range rows {
		have[r.Provider] = true
		out = append(out, r.JSON())
	}
	if all {
		for _, name := range c.Names() {
			p := c.Providers[name]
			if have[name] || p.NoKey || p.Demo {
				continue
			}
			out = append(out, NoKeyRow(p))
		}
	}
	return out
}

// InUseRows are the default keys of rows, as 'tier keys doctor' lists
// which source supplies each provider's key (Row.InUse); never nil.
func InUseRows(rows []Row) []JSONRow {
	inUse := []JSONRow{}
	for _, r := range rows {
		if r.Default {
			inUse = append(inUse, r.InUse())
		}
	}
	return inUse
}

// WriteInUse writes the "keys in use:" section of 'tier keys doctor'.
func WriteInUse(w io.Writer, inUse []JSONRow) {
	if len(inUse) == 0 {
		return
	}
	fmt.Fprintln(w, "keys in use:")
	for _, k := range inUse {
		fp := k.Fingerprint
		if fp == "" {
			fp = "-"
		}
		if k.Note != "" {
			fp += " (" + k.Note + ")"
		}
		fmt.Fprintf(w, "  %s: %s %s\n", k.Provider, k.Source, fp)
	}
}

// writeUnverified warns what a verification that did not succeed means
// for a key that was stored anyway (UnverifiedWarning).
func writeUnverified(errw io.Writer, res Result, provider, name string) {
	if w := UnverifiedWarning(res.Verify, res.PinnedHost, provider, name); w != "" {
		warnf(errw, "%s", w)
	}
}

func warnf(w io.Writer, format string, a ...any) {
	fmt.Fprintf(w, "tier: warning: "+format+"\n", a...)
}
