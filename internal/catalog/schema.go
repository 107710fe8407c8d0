// Package catalog owns providers.yaml: its schema, the copy embedded in the
// binary, the user's file that adds or overrides profiles field by field,
// strict validation, and resolving a profile for use (placeholders in the
// base URL, the plain-http guard, "did you mean" for unknown names).
package catalog

import (
	"strings"

	"github.com/tier-cli/tier/internal/quota"
)

// Catalog is the merged result of the embedded providers.yaml and the
// user's file.
type Catalog struct {
	// Default is the provider used when neither -p nor TIER_PROVIDER says.
	Default   string                    `yaml:"default,omitempty" json:"default,omitempty"`
	Dialects  map[string]*quota.Dialect `yaml:"dialects,omitempty" json:"dialects,omitempty"`
	Providers map[string]*Profile       `yaml:"providers" json:"providers"`
	// Pools name ordered lists of targets, "provider/key/model" ("*" as
	// the key: every key of the provider), for tier chat -p POOL and tier
	// batch; internal/pool resolves them.
	Pools map[string][]string `yaml:"pools,omitempty" json:"pools,omitempty"`
	// Budgets are caps on tier's own calls (budget.go); only the user's
	// file has them.
	Budgets []Budget `yaml:"budgets,omitempty" json:"budgets,omitempty"`
	// Alerts are the thresholds of the provider's own windows and credit
	// that alert once per window (budget.go); only the user's file has
	// them, and none alert without them.
	Alerts *Alerts `yaml:"alerts,omitempty" json:"alerts,omitempty"`
	// Shared is the Redis a fleet of machines shares quota through
	// (internal/shared); TIER_SHARED overrides it. Only the user's file
	// has it.
	Shared *Shared `yaml:"shared,omitempty" json:"shared,omitempty"`

	userFile string // the user's providers.yaml as shown in messages
}

// Shared is providers.yaml's shared: the Redis URL (no password in it),
// the failure mode (required or preferred), and a command whose output is
// the password (as key_cmd is a key's), when TIER_SHARED_PASSWORD is unset.
type Shared struct {
	URL         string `yaml:"url" json:"url"`
	Mode        string `yaml:"mode,omitempty" json:"mode,omitempty"`
	PasswordCmd string `yaml:"password_cmd,omitempty" json:"password_cmd,omitempty"`
}

// Profile is one provider as data.
type Profile struct {
	Name        string `yaml:"-" json:"name"`
	DisplayName string `yaml:"display_name,omitempty" json:"display_name,omitempty"`
	// BaseURL is the OpenAI-compatible base, e.g. https://api.groq.com/openai/v1.
	// "{NAME}" placeholders are filled from the environment at resolve time.
	BaseURL string `yaml:"base_url" json:"base_url"`
	// KeyEnv lists the environment variables that may hold the key, in order.
	// In YAML it may be a single string or a list.
	KeyEnv StringList `yaml:"key_env,omitempty" json:"key_env,omitempty"`
	// KeyCmd is a command that prints the key (e.g. "pass show groq").
	KeyCmd string `yaml:"key_cmd,omitempty" json:"key_cmd,omitempty"`
	// KeyURL is where a user gets a key.
	KeyURL string `yaml:"key_url,omitempty" json:"key_url,omitempty"`
	// NoKey marks providers that need no key (the demo, a local server).
	NoKey        bool   `yaml:"no_key,omitempty" json:"no_key,omitempty"`
	DefaultModel string `yaml:"default_model,omitempty" json:"default_model,omitempty"`
	// Dialect names an entry of Catalog.Dialects.
	Dialect string `yaml:"dialect,omitempty" json:"dialect,omitempty"`
	// AllowInsecureHTTP lets a key travel over plain http to a non-loopback host.
	AllowInsecureHTTP bool `yaml:"allow_insecure_http,omitempty" json:"allow_insecure_http,omitempty"`
	// Demo marks the built-in offline simulator.
	Demo bool `yaml:"demo,omitempty" json:"demo,omitempty"`
	// FreeModelSuffix marks free model ids (OpenRouter's ":free").
	FreeModelSuffix string   `yaml:"free_model_suffix,omitempty" json:"free_model_suffix,omitempty"`
	Balance         *Balance `yaml:"balance,omitempty" json:"balance,omitempty"`
	Limits          []Limit  `yaml:"limits,omitempty" json:"limits,omitempty"`
	Credits         []Grant  `yaml:"credits,omitempty" json:"credits,omitempty"`
	Models          []Model  `yaml:"models,omitempty" json:"models,omitempty"`
	Notes           string   `yaml:"notes,omitempty" json:"notes,omitempty"`
	// QuotaScope says whom the provider's limits count: "key" (each key
	// its own; the default) or "account" (every key of one account or
	// project together: Gemini, OpenRouter's free models), so that two
	// keys of one account are not taken for twice the quota.
	QuotaScope string `yaml:"quota_scope,omitempty" json:"quota_scope,omitempty"`

	userFile string // the user's providers.yaml as shown in messages
}

// Quota scopes (Profile.QuotaScope).
const (
	ScopeKey     = "key"
	ScopeAccount = "account"
)

// AccountScope reports whether the provider counts its limits per account
// rather than per key.
func (p *Profile) AccountScope() bool { return p.QuotaScope == ScopeAccount }

// Fact carries provenance; every limit, price and grant has one.
type Fact struct {
	AsOf   string `yaml:"as_of" json:"as_of"`   // YYYY-MM-DD
	Source string `yaml:"source" json:"source"` // URL
	// Confidence is empty (official and current) or one of
	// "third_party", "unverified", "dated", "inferred".
	Confidence string `yaml:"confidence,omitempty" json:"confidence,omitempty"`
}

// Balance says which balance endpoint a provider has.
type Balance struct {
	// Kind selects the response parser: "deepseek", "openrouter", "vercel".
	Kind string `yaml:"kind" json:"kind"`
	URL  string `yaml:"url" json:"url"`
}

// Limit is a published limit for some models on some tier. Nil means the
// provider publishes no figure for that window.
type Limit struct {
	// Tier is "free", "developer", ...; "*" means every tier.
	Tier string `yaml:"tier" json:"tier"`
	// Models holds exact model ids, "*" for every model, or "*SUFFIX" for
	// the ids ending in SUFFIX (e.g. "*:free").
	Models []string `yaml:"models" json:"models"`
	RPM    *int64   `yaml:"rpm,omitempty" json:"rpm,omitempty"`
	RPH    *int64   `yaml:"rph,omitempty" json:"rph,omitempty"`
	RPD    *int64   `yaml:"rpd,omitempty" json:"rpd,omitempty"`
	TPM    *int64   `yaml:"tpm,omitempty" json:"tpm,omitempty"`
	TPH    *int64   `yaml:"tph,omitempty" json:"tph,omitempty"`
	TPD    *int64   `yaml:"tpd,omitempty" json:"tpd,omitempty"`
	// Other windows in the provider's own unit, e.g. neurons per day or
	// generated_tokens per minute.
	Unit      string `yaml:"unit,omitempty" json:"unit,omitempty"`
	PerMinute *int64 `yaml:"per_minute,omitempty" json:"per_minute,omitempty"`
	PerDay    *int64 `yaml:"per_day,omitempty" json:"per_day,omitempty"`
	PerMonth  *int64 `yaml:"per_month,omitempty" json:"per_month,omitempty"`
	// AcrossModels says that the limit counts the calls to every model it
	// matches together, not each model's (OpenRouter's ":free" models
	// share one 20 RPM and one daily count: "free-models-per-day").
	AcrossModels bool `yaml:"across_models,omitempty" json:"across_models,omitempty"`
	Fact         `yaml:",inline"`
}

// Matches says whether the limit is for model: an id in Models, "*", or a
// "*SUFFIX" pattern the id ends with.
func (l Limit) Matches(model string) bool {
	for _, m := range l.Models {
		if m == model || m == "*" || (strings.HasPrefix(m, "*") && strings.HasSuffix(model, m[1:])) {
			return true
		}
	}
	return false
}

// Grant is a published credit grant.
type Grant struct {
	Amount float64 `yaml:"amount" json:"amount"`
	Unit   string  `yaml:"unit" json:"unit"` // "USD", "tokens", ...
	// ValidDays is how long a grant lasts from the key's creation; 0 = no
	// expiry is known (which is not the same as "never expires").
	ValidDays int `yaml:"valid_days,omitempty" json:"valid_days,omitempty"`
	// RenewDays, when set, says the grant refills every N days (Vercel: 30);
	// "monthly" grants use RenewMonthly.
	RenewDays    int    `yaml:"renew_days,omitempty" json:"renew_days,omitempty"`
	RenewMonthly bool   `yaml:"renew_monthly,omitempty" json:"renew_monthly,omitempty"`
	Tier         string `yaml:"tier,omitempty" json:"tier,omitempty"`
	Note         string `yaml:"note,omitempty" json:"note,omitempty"`
	Fact         `yaml:",inline"`
}

// Model is what the catalog knows about one model.
type Model struct {
	ID            string `yaml:"id" json:"id"`
	ContextLength int    `yaml:"context_length,omitempty" json:"context_length,omitempty"`
	// Status is "production" or "preview".
	Status string `yaml:"status,omitempty" json:"status,omitempty"`
	Free   bool   `yaml:"free,omitempty" json:"free,omitempty"`
	// Prices in the unit's money per million tokens.
	Price *Price `yaml:"price,omitempty" json:"price,omitempty"`
}

// Price is per million tokens.
type Price struct {
	Input float64 `yaml:"input" json:"input"`
	// CachedInput is the price of input served from the provider's cache,
	// when it publishes one.
	CachedInput *float64 `yaml:"cached_input,omitempty" json:"cached_input,omitempty"`
	Output      float64  `yaml:"output" json:"output"`
	Currency    string   `yaml:"currency,omitempty" json:"currency,omitempty"` // default USD
	Fact        `yaml:",inline"`
}
