package overview

import (
	"fmt"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// Blind is a provider whose refresh failed, and why (one line).
type Blind struct{ Provider, Why string }

// Gate is what `tier quota --require` finds unmet: Check's, one for each
// provider whose refresh failed (what it would have learned may be what
// fails the gate; allowUnknown does not excuse it), and, when no provider
// was named and nothing is seen, that there is nothing to check
// (selection names the --key and --model filters, "" for none).
func Gate(rows []Row, reqs []Requirement, allowUnknown bool, now time.Time, blind []Blind, named bool, selection string) []Unmet {
	unmet := Check(rows, reqs, allowUnknown, now)
	for _, b := range blind {
		unmet = append(unmet, Unmet{Provider: b.Provider,
			Message: b.Provider + ": cannot be checked: its refresh failed (" + b.Why + ")"})
	}
	if !named && len(rows) == 0 {
		what := "no provider has been used yet"
		if selection != "" {
			what = "nothing seen yet for " + selection
		}
		unmet = append(unmet, Unmet{Message: what + ": name the providers to check (tier quota groq --require ...)"})
	}
	return unmet
}

// Selection names the --key and --model filters: `key "work" and model
// "m1"`; "" for none.
func Selection(key, model string) string {
	var what []string
	if key != "" {
		what = append(what, fmt.Sprintf("key %q", key))
	}
	if model != "" {
		what = append(what, fmt.Sprintf("model %q", model))
	}
	return strings.Join(what, " and ")
}

// Snapshots are rows as `tier quota --json` prints them: a row never
// called has the published limits as of now.
func Snapshots(rows []Row, now time.Time) []quota.Snapshot {
	snaps := make([]quota.Snapshot, 0, len(rows))
	for _, r := range rows {
		s := r.Snapshot
		if s.ObservedAt.IsZero() {
			s.ObservedAt = now.UTC().Truncate(time.Second)
		}
		snaps = append(snaps, s)
	}
	return snaps
}
