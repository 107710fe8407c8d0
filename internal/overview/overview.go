// Package overview assembles what tier knows about each provider, key and
// model at one moment: the last snapshot seen, projected past its resets;
// the catalog's published limits for windows the provider does not report,
// with what is left estimated from tier's own usage ledger; and credit, from
// a balance, a grant recorded with the key, or the catalog's published grant.
// A key's account snapshot (model "", from balance endpoints and GET /models)
// counts for each of its models. Every figure keeps its source, so an
// estimate is always marked as one. It reads local state only: no network.
package overview

import (
	"slices"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

// Tier is the catalog tier whose published limits are used for estimates.
const Tier = "free"

// KeyInfo is what the key metadata says about a key.
type KeyInfo struct {
	Created time.Time // zero when unknown
	// A grant the user recorded with 'tier keys set --credit'.
	Grant *Grant
}

// KeyInfoOf is what the overview uses of a stored key's metadata: when it
// was created and the credit grant recorded with it; false for none.
func KeyInfoOf(k *keys.KeyMeta) (KeyInfo, bool) {
	if k == nil {
		return KeyInfo{}, false
	}
	info := KeyInfo{Created: k.Created}
	if g := k.Grant; g != nil {
		og := &Grant{Amount: g.Amount, Unit: g.Unit, GrantedAt: g.Granted}
		if !g.Expires.IsZero() {
			e := g.Expires
			og.ExpiresAt = &e
		}
		info.Grant = og
	}
	return info, true
}

// Grant is a credit grant recorded by the user.
type Grant struct {
	Amount    float64
	Unit      string
	GrantedAt time.Time  // zero when unknown
	ExpiresAt *time.Time // nil when it does not expire or is unknown
}

// Source is where the overview gets its inputs.
type Source struct {
	Catalog *catalog.Catalog
	Store   *store.Store
	// Keys returns the metadata of a stored key; nil or !ok when none.
	Keys func(provider, key string) (KeyInfo, bool)
	// FirstSeen returns when tier first used a provider/key (for providers
	// without stored keys, such as the demo).
	FirstSeen func(provider, key string) (time.Time, bool)
	Now       time.Time
}

// Complete returns s as it stands at Now: projected past its resets, with
// estimated windows for the published limits the provider did not report,
// and credit filled in (see Row) when the snapshot has none.
func (src Source) Complete(s quota.Snapshot) quota.Snapshot {
	var acct *quota.Snapshot
	if s.Model != "" && src.Store != nil {
		if a, ok, err := src.Store.Snapshot(s.Provider, s.Key, ""); err == nil && ok {
			acct = &a
		}
	}
	return src.row(s, acct).Snapshot
}

// row completes s; acct is the stored snapshot of its provider and key as
// a whole (model ""), from balance endpoints and GET /models, or nil.
func (src Source) row(s quota.Snapshot, acct *quota.Snapshot) Row {
	out := s.Project(src.Now)
	out.Windows = slices.Clone(out.Windows)
	r := Row{Seen: s.ObservedAt}
	p, err := src.Catalog.Profile(s.Provider)
	if err != nil {
		r.Snapshot = out // a provider the catalog no longer has: show what was seen
		return r
	}
	r.Reportable = src.reportable(p)
	var account []quota.Window
	if acct != nil && s.Model != "" {
		a := acct.Project(src.Now)
		account = a.Windows
		if out.Credit == nil {
			out.Credit = a.Credit // credit is the key's, not a model's
		}
		if out.Budget == nil {
			out.Budget = a.Budget // so is a key's spending cap
		}
	}
	// Limits learned from an error (Gemini's QuotaFailure) are estimated
	// like published ones, and win over the catalog's.
	learned := slices.DeleteFunc(slices.Clone(out.Windows), func(w quota.Window) bool { return w.Source != quota.SourceLearned })
	out.Windows = slices.DeleteFunc(out.Windows, func(w quota.Window) bool { return w.Source == quota.SourceLearned })
	out.Windows = append(out.Windows, src.estimates(p, out, account, learned)...)
	quota.SortWindows(out.Windows)
	out.Credit, r.ExpiryEstimated = src.credit(p, out)
	r.Snapshot = out
	return r
}

// reportable is what p itself can report (see Row.Reportable).
func (src Source) reportable(p *catalog.Profile) map[string]bool {
	out := map[string]bool{}
	if d := src.Catalog.Dialect(p.Dialect); d != nil {
		for _, w := range d.Windows {
			out[quota.Window{Metric: w.Metric, Period: w.Period}.Key()] = true
		}
	}
	if p.Balance != nil {
		out[CreditKey] = true
	}
	return out
}

// CreditKey is the credit's entry in Row.Reportable.
const CreditKey = "credit"

// window figures of a published limit, in canonical order.
func limitWindows(l catalog.Limit) []struct {
	metric, period string
	v              *int64
} {
	unit := l.Unit
	return []struct {
		metric, period string
		v              *int64
	}{
		{quota.Requests, quota.PeriodMinute, l.RPM},
		{quota.Requests, quota.PeriodHour, l.RPH},
		{quota.Requests, quota.PeriodDay, l.RPD},
		{quota.Tokens, quota.PeriodMinute, l.TPM},
		{quota.Tokens, quota.PeriodHour, l.TPH},
		{quota.Tokens, quota.PeriodDay, l.TPD},
		{unit, quota.PeriodMinute, l.PerMinute},
		{unit, quota.PeriodDay, l.PerDay},
		{unit, quota.PeriodMonth, l.PerMonth},
	}
}

// estimates adds, for each published limit the snapshot has no window for,
// a window marked "estimate": the limit, and what is left after the calls
// tier itself made in the current window (calls made elsewhere are not
// counted, which the CLI says). A window the provider reported for the key
// as a whole (account), and that has not reset since, is not estimated for
// its models: the reported figure counts every call, not only tier's.
func (src Source) estimates(p *catalog.Profile, s quota.Snapshot, account, learned []quota.Window) []quota.Window {
	if s.Model == "" {
		return nil
	}
	type window struct{ metric, period string }
	have := map[window]bool{}
	for _, w := range s.Windows {
		have[window{w.Metric, w.Period}] = true
	}
	for _, w := range account {
		if w.Remaining != nil && w.Source != quota.SourceProjected && w.Source != quota.SourceEstimate {
			have[window{w.Metric, w.Period}] = true
		}
	}
	var tz *time.Location
	if d := src.Catalog.Dialect(p.Dialect); d != nil && d.DayResetTZ != "" {
		tz, _ = quota.Location(d.DayResetTZ)
	}
	// What tier used in each period's current window, asked of the ledger
	// once per period.
	type used struct {
		requests, tokens int64
		ok               bool
	}
	// by period, and whether counted across the models of a limit that
	// counts them together
	type usedKey struct {
		period string
		across bool
	}
	usage := map[usedKey]used{}
	var out []quota.Window
	limits := []catalog.Limit{{}} // the learned limits first, then the catalog's
	limits = append(limits, p.LimitsFor(s.Model, Tier)...)
	for li, l := range limits {
		figures := limitWindows(l)
		if li == 0 {
			figures = figures[:0]
			for _, w := range learned {
				figures = append(figures, struct {
					metric, period string
					v              *int64
				}{w.Metric, w.Period, w.Limit})
			}
		}
		for fi, f := range figures {
			if f.v == nil || f.metric == "" {
				continue
			}
			w := quota.Window{Metric: f.metric, Period: f.period, Source: quota.SourceEstimate}
			if li == 0 {
				w.LearnedAt = learned[fi].LearnedAt
			}
			if have[window{w.Metric, w.Period}] {
				continue
			}
			have[window{w.Metric, w.Period}] = true
			limit := *f.v
			w.Limit = &limit
			since, reset := windowStart(f.period, src.Now, tz)
			if reset != nil {
				w.ResetAt = reset
			}
			if f.metric == quota.Requests || f.metric == quota.Tokens {
				across := li > 0 && l.AcrossModels
				u, asked := usage[usedKey{f.period, across}]
				if !asked {
					var err error
					if across {
						u.requests, u.tokens, err = src.usedAcross(p, s.Key, l, since)
					} else {
						u.requests, u.tokens, err = src.Store.UsageSince(s.Provider, s.Key, s.Model, since, src.Now)
					}
					u.ok = err == nil
					usage[usedKey{f.period, across}] = u
				}
				if u.ok {
					n := u.requests
					if f.metric == quota.Tokens {
						n = u.tokens
					}
					left := max(0, limit-n)
					w.Remaining = &left
				}
			}
			out = append(out, w)
		}
	}
	return out
}

// usedAcross is what tier used since since of limit l, which counts every
// model it matches together: the calls to each of those models with key
// (with every key, for a provider counted per account).
func (src Source) usedAcross(p *catalog.Profile, key string, l catalog.Limit, since time.Time) (requests, tokens int64, err error) {
	return src.Store.UsageSinceMatching(p.Name, func(k, model string) bool {
		return (k == key || p.AccountScope()) && l.Matches(model)
	}, since, src.Now)
}

// windowStart is when the current window began: a fixed day ends at the
// documented midnight (then the reset is known); otherwise windows are taken
// as rolling, which counts at least as much usage as a fixed window would.
func windowStart(period string, now time.Time, tz *time.Location) (since time.Time, reset *time.Time) {
	switch period {
	case quota.PeriodMinute:
		return now.Add(-time.Minute), nil
	case quota.PeriodHour:
		return now.Add(-time.Hour), nil
	case quota.PeriodDay:
		if tz != nil {
			l := now.In(tz)
			start := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, tz)
			next := start.AddDate(0, 0, 1).UTC()
			return start, &next
		}
		return now.Add(-24 * time.Hour), nil
	case quota.PeriodMonth:
		return now.AddDate(0, 0, -31), nil
	}
	return now.Add(-24 * time.Hour), nil
}

// credit keeps a reported credit (a balance, an error body) and fills in
// what the grant recorded with the key says about it: the granted amount
// and the expiry, facts about the key. When nothing was reported, the
// recorded grant, or failing that the catalog's published grant counted
// from the key's creation (or tier's first use of it), gives the credit as
// an estimate: what is left is the grant less tier's own recorded spend at
// the catalog's prices. The catalog's grant is never mixed into a reported
// balance: the balance may hold purchased credit the grant says nothing
// about. expiryEstimated says the expiry is the catalog's, not a fact.
func (src Source) credit(p *catalog.Profile, s quota.Snapshot) (c *quota.Credit, expiryEstimated bool) {
	if s.Credit != nil {
		cp := *s.Credit
		c = &cp
	}
	var info KeyInfo
	if src.Keys != nil {
		info, _ = src.Keys(s.Provider, s.Key)
	}
	// A grant the user recorded is a fact about this key.
	if g := info.Grant; g != nil {
		if c == nil {
			c = &quota.Credit{Source: quota.SourceGrant, Unit: g.Unit}
		}
		if c.Unit != "" && c.Unit != g.Unit {
			return c, false // a balance in another unit: the grant is not it
		}
		c.Unit = g.Unit
		if c.Granted == nil {
			amt := g.Amount
			c.Granted = &amt
		}
		if c.ExpiresAt == nil && g.ExpiresAt != nil {
			e := g.ExpiresAt.UTC()
			c.ExpiresAt = &e
		}
		if c.Remaining == nil && c.Source == quota.SourceGrant {
			c.Remaining = src.spentEstimate(p, s, g.Amount, g.Unit, g.GrantedAt)
			if c.Remaining != nil {
				c.Source = quota.SourceEstimate
			}
		}
		expiredLeavesNothing(c, src.Now)
		return c, false
	}
	if c != nil {
		return c, false
	}
	// Otherwise the catalog's published grant: an estimate throughout.
	g := publishedGrant(p)
	if g == nil {
		return nil, false
	}
	start := info.Created
	if start.IsZero() && src.FirstSeen != nil {
		start, _ = src.FirstSeen(s.Provider, s.Key)
	}
	amt := g.Amount
	c = &quota.Credit{Source: quota.SourceEstimate, Unit: g.Unit, Granted: &amt}
	if !start.IsZero() {
		if exp, ok := grantEnd(*g, start, src.Now); ok {
			c.ExpiresAt = &exp
			expiryEstimated = true
		}
		c.Remaining = src.spentEstimate(p, s, g.Amount, g.Unit, start)
	}
	expiredLeavesNothing(c, src.Now)
	return c, expiryEstimated
}

// expiredLeavesNothing sets an estimated remaining credit to 0 once the
// grant has expired: what tier did not spend of it is gone, not left.
func expiredLeavesNothing(c *quota.Credit, now time.Time) {
	if c.Source == quota.SourceEstimate && c.Remaining != nil && c.ExpiresAt != nil && !now.Before(*c.ExpiresAt) {
		zero := 0.0
		c.Remaining = &zero
	}
}

// publishedGrant is the catalog grant that expires or renews, for the
// estimate tier; nil when there is none.
func publishedGrant(p *catalog.Profile) *catalog.Grant {
	for i := range p.Credits {
		g := &p.Credits[i]
		if (g.Tier == "" || g.Tier == Tier || g.Tier == "*") && (g.ValidDays > 0 || g.RenewDays > 0) {
			return g
		}
	}
	return nil
}

// grantEnd is when a grant that started at start expires (valid_days) or
// next renews (renew_days), as of now.
func grantEnd(g catalog.Grant, start, now time.Time) (time.Time, bool) {
	switch {
	case g.ValidDays > 0:
		return start.AddDate(0, 0, g.ValidDays).UTC().Truncate(time.Second), true
	case g.RenewDays > 0:
		end := start.AddDate(0, 0, g.RenewDays)
		for !end.After(now) {
			end = end.AddDate(0, 0, g.RenewDays)
		}
		return end.UTC().Truncate(time.Second), true
	}
	return time.Time{}, false
}

// spentEstimate is amount less what tier's recorded usage since start cost
// at the catalog's prices; nil when the model has no price in unit.
func (src Source) spentEstimate(p *catalog.Profile, s quota.Snapshot, amount float64, unit string, start time.Time) *float64 {
	if start.IsZero() || s.Model == "" {
		return nil
	}
	m := p.Model(s.Model)
	if m == nil || m.Price == nil {
		return nil
	}
	cur := m.Price.Currency
	if cur == "" {
		cur = "USD"
	}
	if cur != unit {
		return nil
	}
	prompt, completion, err := src.Store.TokensSince(s.Provider, s.Key, s.Model, start, src.Now)
	if err != nil {
		return nil
	}
	left := amount - (float64(prompt)*m.Price.Input+float64(completion)*m.Price.Output)/1e6
	return &left
}
