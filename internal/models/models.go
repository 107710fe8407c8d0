// Package models owns what `tier models` shows: a provider's live model list
// (GET /models), cached in the state store, merged with what the catalog
// knows of each model (published limits per tier, context length, prices,
// production or preview, free access) and the last quota seen for it.
// List fetches several providers at once, each under its own timeout, so
// that a slow or failing provider neither delays nor hides the others.
// It knows nothing of cobra or of how output is rendered.
package models

import (
	"sort"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

// Entry is one model of one provider, merged. Its JSON form is what
// `tier models --json` prints; fields that are not known are absent, never
// zero.
type Entry struct {
	Provider string `json:"provider"`
	ID       string `json:"id"`
	// Listed: the provider's live list has the model. A catalog model with
	// Listed false is one the provider no longer lists.
	Listed bool `json:"listed"`
	// InCatalog: providers.yaml has an entry for the model.
	InCatalog bool `json:"in_catalog"`
	// Default: the model is the provider's default_model.
	Default bool `json:"default,omitempty"`
	// Status is "production" or "preview", when the catalog says.
	Status string `json:"status,omitempty"`
	// Free is true when the model's id carries the provider's free suffix
	// (OpenRouter's ":free"), the catalog marks it free, or the provider
	// publishes free-tier limits for it. Absent means "not known to be
	// free", not "paid". FreeReason says which.
	Free          bool   `json:"free,omitempty"`
	FreeReason    string `json:"free_reason,omitempty"`
	ContextLength int    `json:"context_length,omitempty"`
	OwnedBy       string `json:"owned_by,omitempty"`
	Price         *Price `json:"price,omitempty"`
	// Limits are the catalog's published limits that apply to the model,
	// grouped by tier in the catalog's order, most specific first within a
	// tier (the model by name, then a "*SUFFIX" pattern, then "*").
	Limits []Limit `json:"limits,omitempty"`
	// Quota is the last snapshot seen for this provider, key and model.
	Quota *quota.Snapshot `json:"quota,omitempty"`
}

// Price is per million tokens, with where the figure comes from.
type Price struct {
	Input       float64  `json:"input"`
	Output      float64  `json:"output"`
	CachedInput *float64 `json:"cached_input,omitempty"`
	Currency    string   `json:"currency"`
	AsOf        string   `json:"as_of,omitempty"`
	Source      string   `json:"source,omitempty"`
	Confidence  string   `json:"confidence,omitempty"`
}

// Limit is one published limit of one tier ("*" means every tier). A nil
// figure is one the provider does not publish.
type Limit struct {
	Tier       string `json:"tier"`
	RPM        *int64 `json:"rpm,omitempty"`
	RPH        *int64 `json:"rph,omitempty"`
	RPD        *int64 `json:"rpd,omitempty"`
	TPM        *int64 `json:"tpm,omitempty"`
	TPH        *int64 `json:"tph,omitempty"`
	TPD        *int64 `json:"tpd,omitempty"`
	Unit       string `json:"unit,omitempty"`
	PerMinute  *int64 `json:"per_minute,omitempty"`
	PerDay     *int64 `json:"per_day,omitempty"`
	PerMonth   *int64 `json:"per_month,omitempty"`
	AsOf       string `json:"as_of,omitempty"`
	Source     string `json:"source,omitempty"`
	Confidence string `json:"confidence,omitempty"`
}

// Merge joins provider p's live list with its catalog entries: every live
// model (Listed), then every catalog model the list lacks (Listed false),
// sorted by id. live nil means the list is not known; then catalog models
// are all Listed false. quotas maps model ids to their last snapshot.
func Merge(p *catalog.Profile, live []store.CachedModel, quotas map[string]quota.Snapshot) []Entry {
	out := []Entry{}
	seen := map[string]bool{}
	for _, m := range live {
		if m.ID == "" || seen[m.ID] {
			continue
		}
		seen[m.ID] = true
		e := entry(p, m.ID, quotas)
		e.Listed = true
		e.OwnedBy = m.OwnedBy
		if m.ContextLength > 0 {
			e.ContextLength = m.ContextLength // the provider's own figure is the current one
		}
		out = append(out, e)
	}
	for _, m := range p.Models {
		if !seen[m.ID] {
			seen[m.ID] = true
			out = append(out, entry(p, m.ID, quotas))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// entry is what the catalog and the quotas say of model id.
func entry(p *catalog.Profile, id string, quotas map[string]quota.Snapshot) Entry {
	e := Entry{Provider: p.Name, ID: id, Default: id == p.DefaultModel, FreeReason: p.FreeReason(id), Limits: limitsFor(p, id)}
	e.Free = e.FreeReason != ""
	if m := p.Model(id); m != nil {
		e.InCatalog = true
		e.Status = m.Status
		e.ContextLength = m.ContextLength
		if pr := m.Price; pr != nil {
			e.Price = &Price{Input: pr.Input, Output: pr.Output, CachedInput: pr.CachedInput, Currency: pr.Currency,
				AsOf: pr.AsOf, Source: pr.Source, Confidence: pr.Confidence}
			if e.Price.Currency == "" {
				e.Price.Currency = "USD" // the catalog's documented default
			}
		}
	}
	if s, ok := quotas[id]; ok {
		e.Quota = &s
	}
	return e
}

// limitsFor is every published limit that applies to model, tier by tier
// in the order the catalog first names each tier.
func limitsFor(p *catalog.Profile, model string) []Limit {
	var tiers []string
	seen := map[string]bool{}
	for _, l := range p.Limits {
		if !seen[l.Tier] {
			seen[l.Tier] = true
			tiers = append(tiers, l.Tier)
		}
	}
	var out []Limit
	for _, t := range tiers {
		for _, l := range p.LimitsFor(model, t) {
			if l.Tier != t {
				continue // a "*" tier limit: listed once, under "*"
			}
			out = append(out, Limit{Tier: l.Tier, RPM: l.RPM, RPH: l.RPH, RPD: l.RPD, TPM: l.TPM, TPH: l.TPH, TPD: l.TPD,
				Unit: l.Unit, PerMinute: l.PerMinute, PerDay: l.PerDay, PerMonth: l.PerMonth,
				AsOf: l.AsOf, Source: l.Source, Confidence: l.Confidence})
		}
	}
	return out
}

// Free keeps the entries that are free to use.
func Free(entries []Entry) []Entry {
	out := []Entry{}
	for _, e := range entries {
		if e.Free {
			out = append(out, e)
		}
	}
	return out
}

// Known is what completion offers for provider p without the network: the
// cached live list (of any age) merged with the catalog's models and the
// default model. It never fails: a missing or unreadable cache leaves the
// catalog's models alone.
func Known(st *store.Store, p *catalog.Profile) []Entry {
	var live []store.CachedModel
	if st != nil {
		if ms, _, ok, err := st.Models(p.Name); err == nil && ok {
			live = ms
		}
	}
	out := Merge(p, live, nil)
	if p.DefaultModel != "" && !hasID(out, p.DefaultModel) {
		out = append(out, entry(p, p.DefaultModel, nil))
		sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	}
	return out
}

func hasID(es []Entry, id string) bool {
	for _, e := range es {
		if e.ID == id {
			return true
		}
	}
	return false
}
