package keys

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/tier-cli/tier/internal/catalog"
)

// Severity of a doctor finding.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityInfo    = "info"
)

// Problem is one finding of Doctor: what is wrong and what to do.
type Problem struct {
	Severity string `json:"severity"`
	What     string `json:"what"`
	Fix      string `json:"fix"`
}

// Report is the result of Doctor.
type Report struct {
	// Backend names the keyring in use ("Secret Service over D-Bus", ...).
	Backend string `json:"backend"`
	// Disabled: TIER_NO_KEYRING is set.
	Disabled bool `json:"disabled"`
	// NeedsSessionBus: the backend is reached over D-Bus (Linux, BSD).
	NeedsSessionBus bool `json:"needs_session_bus"`
	// SessionBus is the bus address, "" if there is none.
	SessionBus string `json:"session_bus,omitempty"`
	// KeyringOK: a probe read answered (the keyring is reachable and
	// unlocked).
	KeyringOK bool `json:"keyring_ok"`
	// Keyring says how the probe went, in words.
	Keyring      string    `json:"keyring"`
	InsecureFile string    `json:"insecure_file,omitempty"`
	InsecureKeys int       `json:"insecure_keys"`
	Problems     []Problem `json:"problems"`
}

// OK reports whether no finding is an error.
func (r *Report) OK() bool {
	for _, p := range r.Problems {
		if p.Severity == SeverityError {
			return false
		}
	}
	return true
}

func (r *Report) add(sev, what, fix string) {
	r.Problems = append(r.Problems, Problem{Severity: sev, What: what, Fix: fix})
}

// probeService is a keyring service no key is ever stored under.
const probeService = "tier:doctor-probe"

// Doctor checks the keyring (backend, session bus, a probe read that tells
// "reachable and unlocked" from unavailable or hung), the stored keys
// against their metadata and profiles, environment variables that
// override stored keys, and the plaintext file.
func (m *Manager) Doctor(ctx context.Context, profiles map[string]*catalog.Profile) Report {
	var r Report
	sys, isSys := m.Backend.(*SystemKeyring)
	if isSys {
		r.Backend, r.NeedsSessionBus = sys.Describe(), sys.needsBus
	} else {
		r.Backend = fmt.Sprintf("%T", m.Backend)
	}
	// The backend's own view of the environment decides whether it is
	// usable; normally the same as the Manager's.
	kenv := m.getenv
	if isSys && sys.Getenv != nil {
		kenv = sys.Getenv
	}
	probe := true
	if Disabled(kenv) {
		r.Disabled, probe = true, false
		r.Keyring = "disabled by TIER_NO_KEYRING"
		r.add(SeverityInfo, "the keyring is turned off by TIER_NO_KEYRING",
			"keys come from environment variables, key_cmd or the plaintext file; unset TIER_NO_KEYRING to use the keyring")
	}
	if probe && r.NeedsSessionBus {
		addr, ok := sessionBus(kenv, sys.runUserDir)
		r.SessionBus = addr
		if !ok {
			probe = false
			r.Keyring = "unavailable: no D-Bus session bus"
			r.add(SeverityError, "there is no D-Bus session bus, so the Secret Service cannot be reached",
				"in a desktop session this is set up at login; on a server put the key in an environment variable (e.g. GROQ_API_KEY), add key_cmd to the profile, or use 'tier keys set PROVIDER --insecure-storage'")
		}
	}
	if probe {
		_, err := m.Backend.Get(probeService, "probe")
		switch {
		case err == nil || errors.Is(err, ErrNotFound):
			r.KeyringOK, r.Keyring = true, "reachable and unlocked"
		case errors.Is(err, ErrTimeout):
			r.Keyring = "no answer in time"
			r.add(SeverityError, "the keyring did not answer in time; it is probably locked and waiting for an unlock prompt",
				"unlock it (e.g. in Seahorse, \"Passwords and Keys\"), then run 'tier keys doctor' again")
		default:
			r.Keyring = "unavailable: " + unavailableReason(err)
			fix := "check the keyring service, or use environment variables, key_cmd or --insecure-storage instead"
			if s := err.Error(); strings.Contains(s, "org.freedesktop.secrets") || strings.Contains(s, "ServiceUnknown") {
				fix = "no Secret Service is running on the session bus: install and start gnome-keyring (or enable KeePassXC's Secret Service integration)"
			}
			r.add(SeverityError, "the keyring cannot be used: "+unavailableReason(err), fix)
		}
	}
	m.doctorKeys(&r, profiles)
	m.doctorFile(&r)
	order := map[string]int{SeverityError: 0, SeverityWarning: 1, SeverityInfo: 2}
	sort.SliceStable(r.Problems, func(i, j int) bool { return order[r.Problems[i].Severity] < order[r.Problems[j].Severity] })
	return r
}

func unavailableReason(err error) string {
	var ue *UnavailableError
	if errors.As(err, &ue) {
		return ue.Reason
	}
	return oneLine(err.Error())
}

func (m *Manager) doctorKeys(r *Report, profiles map[string]*catalog.Profile) {
	found, err := m.findStored(profiles, r.KeyringOK)
	if err != nil {
		r.add(SeverityError, "the key records cannot be read: "+err.Error(), "move the file aside; tier starts afresh")
		return
	}
	now := m.now()
	for _, sk := range found {
		prov, name, k := sk.Provider, sk.Name, sk.Meta
		prof := profiles[prov]
		pin := sk.pin()
		label := fmt.Sprintf("the key %s (%s)", keyLabel(prov, name), pin.Fingerprint)
		switch {
		case sk.Missing:
			r.add(SeverityError, label+" is recorded as in the keyring, but the keyring does not have it",
				fmt.Sprintf("store it again with '%s', or forget it with '%s'", keysCmd("set", prov, name), keysCmd("rm", prov, name)))
		case k != nil && sk.Key != "" && Fingerprint(sk.Key) != k.Fingerprint:
			r.add(SeverityWarning, fmt.Sprintf("the %s holds a different key %s (%s) than tier recorded (%s)", sk.Backend, keyLabel(prov, name), Fingerprint(sk.Key), k.Fingerprint),
				fmt.Sprintf("run '%s' to check and record it", keysCmd("test", prov, name)))
		}
		if prof != nil {
			if v, _ := EnvKey(prof, name, m.getenv); v != "" {
				r.add(SeverityWarning, fmt.Sprintf("%s overrides the stored key %s (%s)", v, keyLabel(prov, name), pin.Fingerprint),
					fmt.Sprintf("unset %s to use the stored key, or remove the stored one with '%s'", v, keysCmd("rm", prov, name)))
			}
		}
		// A key that was read, or whose record names a host: the host
		// check is the one chat makes before sending it.
		if prof != nil && !sk.Missing && (sk.Backend != "" || sk.Host != "") {
			if host, herr := hostOf(prof.BaseURL); herr == nil && host != sk.Host {
				test := keysCmd("test", prov, name)
				if sk.Host == "" {
					r.add(SeverityError, fmt.Sprintf("%s is %s, not verified for any host: tier does not send it", label, pin.Where),
						fmt.Sprintf("only if you trust %s, run '%s' to verify it there and pin it", host, test))
				} else {
					r.add(SeverityError, checkHost(pin, prof.BaseURL).Error(), fmt.Sprintf("only if you trust %s, run '%s'", host, test))
				}
			}
		}
		if k == nil {
			continue
		}
		if due := k.RotateDue(); !due.IsZero() && !now.Before(due) {
			r.add(SeverityWarning, fmt.Sprintf("%s is %s, past its rotation period of %s", label, ageText(now.Sub(k.Since())), periodText(k.RotateEvery())),
				fmt.Sprintf("create a new key at the provider, then run '%s'", keysCmd("rotate", prov, name)))
		}
		if g := k.Grant; g != nil && !g.Expires.IsZero() && now.After(g.Expires) {
			r.add(SeverityInfo, fmt.Sprintf("the credit grant of %s expired on %s", label, g.Expires.Format("2006-01-02")),
				"record a new grant when you set the key again")
		}
	}
}

func (m *Manager) doctorFile(r *Report) {
	path := m.InsecurePath()
	if _, err := os.Stat(path); err != nil {
		return
	}
	r.InsecureFile = path
	f, err := m.readInsecure()
	if err != nil {
		r.add(SeverityError, err.Error(), "fix the file's permissions, or remove it and store the keys again")
		return
	}
	for _, users := range f.Keys {
		r.InsecureKeys += len(users)
	}
	if r.InsecureKeys > 0 {
		are := "are"
		if r.InsecureKeys == 1 {
			are = "is"
		}
		r.add(SeverityWarning, fmt.Sprintf("%s %s stored in plaintext in %s", plural(r.InsecureKeys, "key"), are, path),
			"where a keyring works, store each again with 'tier keys set PROVIDER' (this removes the plaintext copy)")
	}
}

func toSet[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// Write prints the report for a terminal.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "keyring:     %s\n", r.Backend)
	if r.NeedsSessionBus {
		bus := r.SessionBus
		if bus == "" {
			bus = "none"
		}
		fmt.Fprintf(w, "session bus: %s\n", bus)
	}
	fmt.Fprintf(w, "status:      %s\n", r.Keyring)
	if r.InsecureFile != "" {
		fmt.Fprintf(w, "plaintext:   %s (%s)\n", r.InsecureFile, plural(r.InsecureKeys, "key"))
	}
	if len(r.Problems) == 0 {
		fmt.Fprintln(w, "no problems found")
		return
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "%s: %s\n  fix: %s\n", p.Severity, p.What, p.Fix)
	}
}
