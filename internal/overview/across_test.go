package overview

import (
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

const acrossCatalog = `
default: shared
dialects:
  utcday:
    day_reset_tz: UTC
providers:
  shared:
    base_url: https://shared.example/v1
    key_env: SHARED_KEY
    default_model: a:free
    dialect: utcday
    quota_scope: account
    limits:
      - {tier: free, models: ["*:free"], across_models: true, rpm: 20, rpd: 50, as_of: 2026-11-01, source: https://example.com/limits}
      - {tier: free, models: [paid-model], rpd: 1000, as_of: 2026-11-01, source: https://example.com/limits}
  own:
    base_url: https://own.example/v1
    key_env: OWN_KEY
    default_model: a:free
    dialect: utcday
    limits:
      - {tier: free, models: ["*:free"], rpd: 50, as_of: 2026-11-01, source: https://example.com/limits}
`

// A limit that counts its models together (OpenRouter's ":free" models)
// is estimated from tier's calls to all of them, and for a provider
// counted per account, with every key; a model it does not cover, and a
// limit that counts each model apart, keep their own count.
func TestEstimatesOfALimitAcrossModels(t *testing.T) {
	cat, err := catalog.LoadBytes([]byte(acrossCatalog), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	st := store.Open(t.TempDir())
	src := Source{Catalog: cat, Store: st, Now: now}
	for _, u := range []store.Usage{
		{Provider: "shared", Key: "default", Model: "a:free", Requests: 20},
		{Provider: "shared", Key: "default", Model: "b:free", Requests: 15},
		{Provider: "shared", Key: "second", Model: "c:free", Requests: 10}, // another key of the account
		{Provider: "shared", Key: "default", Model: "paid-model", Requests: 4},
		{Provider: "own", Key: "default", Model: "a:free", Requests: 20},
		{Provider: "own", Key: "default", Model: "b:free", Requests: 15},
	} {
		u.At = now.Add(-2 * time.Hour)
		if err := st.RecordUsage(u); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		provider, key, model string
		rpd                  int64
	}{
		{"shared", "default", "a:free", 50 - 45},
		{"shared", "default", "b:free", 50 - 45},
		{"shared", "second", "a:free", 50 - 45},
		{"shared", "default", "paid-model", 1000 - 4},
		{"own", "default", "a:free", 50 - 20},
		{"own", "default", "b:free", 50 - 15},
	}
	for _, tt := range tests {
		got := src.Complete(quota.Snapshot{Provider: tt.provider, Key: tt.key, Model: tt.model, ObservedAt: now})
		w := find(got.Windows, quota.Requests, quota.PeriodDay)
		if w == nil || w.Remaining == nil || *w.Remaining != tt.rpd || w.Source != quota.SourceEstimate {
			t.Errorf("%s/%s/%s: requests/day %+v, want an estimate of %d left", tt.provider, tt.key, tt.model, w, tt.rpd)
		}
	}
}
