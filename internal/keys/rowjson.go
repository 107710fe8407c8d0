package keys

import (
	"fmt"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
)

// JSONRow is a key as every `tier keys` command prints it with --json: an
// element of `keys list --json`, and of `keys doctor --json`'s in_use
// (which fills only provider, name, source, fingerprint and note). The
// field names and their order are the JSON contract.
type JSONRow struct {
	Provider     string    `json:"provider"`
	Name         string    `json:"name"`
	Source       string    `json:"source"`
	Fingerprint  string    `json:"fingerprint,omitempty"`
	Plaintext    bool      `json:"plaintext,omitempty"`
	Created      time.Time `json:"created,omitzero"`
	LastRotated  time.Time `json:"last_rotated,omitzero"`
	LastVerified time.Time `json:"last_verified,omitzero"`
	VerifiedHost string    `json:"verified_host,omitempty"`
	PinnedHost   string    `json:"pinned_host,omitempty"`
	AgeDays      *int      `json:"age_days,omitempty"`
	RotateDue    time.Time `json:"rotate_due,omitzero"`
	Overdue      bool      `json:"rotate_overdue,omitempty"`
	Default      bool      `json:"default,omitempty"`
	HasPrevious  bool      `json:"has_previous,omitempty"`
	Grant        *Grant    `json:"grant,omitempty"`
	Note         string    `json:"note,omitempty"`
	KeyURL       string    `json:"key_url,omitempty"`
}

// JSON is r as `tier keys list --json` shows it.
func (r Row) JSON() JSONRow {
	j := JSONRow{
		Provider: r.Provider, Name: r.Name, Source: string(r.Source), Fingerprint: r.Fingerprint,
		Plaintext: r.Source == SourceFile, Created: r.Created, LastRotated: r.LastRotated,
		LastVerified: r.LastVerified, VerifiedHost: r.VerifiedHost, PinnedHost: r.PinnedHost, RotateDue: r.RotateDue, Overdue: r.Overdue,
		Default: r.Default, HasPrevious: r.HasPrevious, Grant: r.Grant, Note: r.Note,
	}
	// Age 0 is unknown only when nothing says when the key was stored:
	// a key stored this very second is 0 days old.
	if r.Age > 0 || !r.Created.IsZero() || !r.LastRotated.IsZero() {
		d := max(int(r.Age/(24*time.Hour)), 0)
		j.AgeDays = &d
	}
	return j
}

// InUse is r as `tier keys doctor --json` lists a key in use: which source
// supplies it, and why tier would not send it (Note).
func (r Row) InUse() JSONRow {
	return JSONRow{Provider: r.Provider, Name: r.Name, Source: string(r.Source), Fingerprint: r.Fingerprint, Note: r.Note}
}

// NoKeyRow is the row of `tier keys list --all` for provider p, which has
// no key yet: where to get one and how to give it to tier.
func NoKeyRow(p *catalog.Profile) JSONRow {
	j := JSONRow{Provider: p.Name, Name: DefaultName, Source: string(SourceNone), KeyURL: p.KeyURL}
	how := fmt.Sprintf("run 'tier keys set %s'", p.Name)
	if len(p.KeyEnv) > 0 {
		how = fmt.Sprintf("set %s or %s", p.KeyEnv[0], how)
	}
	if p.KeyURL != "" {
		j.Note = fmt.Sprintf("no key: get one at %s, then %s", p.KeyURL, how)
	} else {
		j.Note = "no key: " + how
	}
	return j
}
