// Package pool owns pools: the ordered targets (provider, key, model) a
// pool of providers.yaml names, resolved against the catalog and the
// stored keys ("groq/*": every key of groq), the quota each draws on (per
// key, or per account where the catalog says so), and which target to use
// now: the first with headroom in every known window, skipping those used
// up until their reset and those cooling down after a 429; and a chat over
// a pool (Run: its targets tried in order through the engine, the skipped
// ones and why). It knows nothing of cobra; what is left comes from a
// function the caller gives.
package pool

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/quota"
)

// Target is one target of a pool.
type Target struct {
	Profile *catalog.Profile
	Key     string
	Model   string
}

// Name is "provider/key/model".
func (t Target) Name() string { return t.Profile.Name + "/" + t.Key + "/" + t.Model }

// Quota names the quota the target draws on: its own, or for a provider
// that counts per account, one shared by all its keys
// ("provider/*/model"); a model that a limit counts together with others
// (across_models: OpenRouter's ":free" models) shares it with them
// ("provider/*/*:free").
func (t Target) Quota() string {
	key, model := t.Key, t.Model
	if t.Profile.AccountScope() {
		key = "*"
	}
	for _, l := range t.Profile.Limits {
		if l.AcrossModels && l.Matches(t.Model) {
			model = strings.Join(l.Models, ",")
			break
		}
	}
	if key == t.Key && model == t.Model {
		return t.Name()
	}
	return t.Profile.Name + "/" + key + "/" + model
}

// Resolve returns the targets of pool name in order, each once. keyNames
// lists a provider's stored keys for "*" (none: the default key).
func Resolve(c *catalog.Catalog, name string, keyNames func(provider string) []string) ([]Target, error) {
	list, ok := c.Pools[name]
	if !ok {
		return nil, fmt.Errorf("unknown pool %q", name)
	}
	var out []Target
	seen := map[string]bool{}
	for _, s := range list {
		parts := strings.SplitN(s, "/", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("pool %q: target %q is not provider/key/model", name, s)
		}
		p, err := c.Profile(parts[0])
		if err != nil {
			return nil, fmt.Errorf("pool %q: %w", name, err)
		}
		keys := []string{parts[1]}
		if parts[1] == "*" {
			keys = nil
			if keyNames != nil {
				keys = keyNames(p.Name)
			}
			if len(keys) == 0 {
				keys = []string{"default"}
			}
		}
		for _, k := range keys {
			t := Target{Profile: p, Key: k, Model: parts[2]}
			if !seen[t.Name()] {
				seen[t.Name()] = true
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// SortKeys orders key names as "*" expands them: the default first, then
// by name.
func SortKeys(names []string) []string {
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "default") != (names[j] == "default") {
			return names[i] == "default"
		}
		return names[i] < names[j]
	})
	return names
}

// Skip is a target passed over, and why.
type Skip struct {
	Target string `json:"target"`
	Reason string `json:"reason"`
	// Until is when it may have headroom again, when known.
	Until *time.Time `json:"until,omitempty"`
}

// Headroom says whether what is left (s, completed: projected past resets,
// estimated) lets a call go now: no known window at 0 before its reset, no
// credit at 0, no 429 whose hint has not passed. Otherwise it says why and
// until when.
//
// A window used up until a known reset is the reason given before a 429's
// cool-down (unless the cool-down ends later): a 429 that named a used-up
// day says so, and when it resets, rather than "cooling down".
func Headroom(s quota.Snapshot, now time.Time) (bool, Skip) {
	var cooling *Skip
	if s.RetryAfterS != nil && !s.ObservedAt.IsZero() {
		until := s.ObservedAt.Add(time.Duration(*s.RetryAfterS * float64(time.Second)))
		if until.After(now) {
			cooling = &Skip{Reason: "cooling down after a 429", Until: &until}
		}
	}
	var unknownReset *Skip
	for _, w := range s.Windows {
		if w.Remaining == nil || *w.Remaining > 0 {
			continue
		}
		if w.ResetAt != nil && !w.ResetAt.After(now) {
			continue // reset since
		}
		if w.ResetAt == nil {
			if unknownReset == nil {
				unknownReset = &Skip{Reason: w.Label() + " used up"}
			}
			continue
		}
		r := *w.ResetAt
		if cooling != nil && cooling.Until.After(r.Add(2*time.Second)) {
			// The cool-down ends later (beyond the reset's rounding to
			// the second, and the hint's own milliseconds): it says when.
			return false, *cooling
		}
		return false, Skip{Reason: w.Label() + " used up until its reset", Until: &r}
	}
	switch {
	case cooling != nil:
		return false, *cooling
	case unknownReset != nil:
		return false, *unknownReset
	}
	if c := s.Credit; c != nil && c.Remaining != nil && *c.Remaining <= 0 {
		return false, Skip{Reason: "credit used up"}
	}
	return true, Skip{}
}

// Order is the targets to try in order: those with headroom as the pool
// lists them, and the others skipped, with why. left is what is left of
// a target (false: nothing known, which counts as headroom). For a
// provider counted per account, a window used up for any key of the
// account holds for every key of it.
func Order(targets []Target, left func(Target) (quota.Snapshot, bool), now time.Time) ([]Target, []Skip) {
	own := map[string]Skip{}     // by target
	account := map[string]Skip{} // by quota, for providers counted per account
	for _, t := range targets {
		s, ok := left(t)
		if !ok {
			continue
		}
		if fine, sk := Headroom(s, now); !fine {
			own[t.Name()] = sk
			if t.Profile.AccountScope() {
				if _, seen := account[t.Quota()]; !seen {
					account[t.Quota()] = sk
				}
			}
		}
	}
	var use []Target
	var skipped []Skip
	for _, t := range targets {
		sk, ok := own[t.Name()]
		if !ok && t.Profile.AccountScope() {
			if sk, ok = account[t.Quota()]; ok {
				sk.Reason += " (counted for the whole account)"
			}
		}
		if ok {
			sk.Target = t.Name()
			skipped = append(skipped, sk)
			continue
		}
		use = append(use, t)
	}
	return use, skipped
}

// FallThrough says whether a call's failure of class c moves on to the
// pool's next target: the quota is used up (402, a used-up window) or
// rate limited (not waited out while another target is left).
func FallThrough(c quota.Class) bool {
	return c == quota.ClassQuotaExhausted || c == quota.ClassRateLimited
}
