package models

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

func i64(v int64) *int64 { return &v }

// testProfile is a provider as a catalog might describe it: a free suffix,
// limits for an exact model, a pattern and every model, on two tiers.
func testProfile() *catalog.Profile {
	fact := catalog.Fact{AsOf: "2026-11-01", Source: "https://example.test/limits"}
	return &catalog.Profile{
		Name:            "fake",
		DefaultModel:    "big",
		FreeModelSuffix: ":free",
		Limits: []catalog.Limit{
			{Tier: "free", Models: []string{"*"}, TPD: i64(100000), Fact: fact},
			{Tier: "free", Models: []string{"big"}, RPM: i64(30), RPD: i64(1000), Fact: fact},
			{Tier: "free", Models: []string{"*:free"}, RPM: i64(20), Fact: fact},
			{Tier: "paid", Models: []string{"big"}, RPM: i64(600), Fact: fact},
			{Tier: "*", Models: []string{"*"}, Unit: "neurons", PerDay: i64(10000), Fact: fact},
		},
		Models: []catalog.Model{
			{ID: "big", Status: "production", ContextLength: 131072,
				Price: &catalog.Price{Input: 0.35, Output: 0.75, Fact: catalog.Fact{AsOf: "2026-08-27", Source: "https://example.test/p", Confidence: "dated"}}},
			{ID: "gift", Free: true, Status: "preview"},
			{ID: "euro", Price: &catalog.Price{Input: 1, Output: 2, Currency: "EUR", Fact: fact}},
			{ID: "retired"},
		},
	}
}

func TestMerge(t *testing.T) {
	p := testProfile()
	live := []store.CachedModel{
		{ID: "big", OwnedBy: "acme"},
		{ID: "gift"},
		{ID: "euro"},
		{ID: "newcomer", ContextLength: 8192},
		{ID: "vendor/thing:free"},
		{ID: "big"}, // listed twice by the provider: shown once
	}
	snap := quota.Snapshot{Provider: "fake", Key: "default", Model: "big", ObservedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
		Windows: []quota.Window{{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: i64(30), Remaining: i64(29), Source: quota.SourceHeader}}}
	got := Merge(p, live, map[string]quota.Snapshot{"big": snap})

	byID := map[string]Entry{}
	var order []string
	for _, e := range got {
		byID[e.ID] = e
		order = append(order, e.ID)
	}
	if want := []string{"big", "euro", "gift", "newcomer", "retired", "vendor/thing:free"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("ids %v, want %v (each once, sorted)", order, want)
	}

	cases := []struct {
		id                             string
		listed, inCatalog, free, deflt bool
		status                         string
		context                        int
		currency                       string // "" = no price
		limits                         []string
		wantQuota                      bool
	}{
		// Every model is free here: the free tier publishes a TPD for "*".
		{"big", true, true, true, true, "production", 131072, "USD",
			[]string{"free rpm=30 rpd=1000", "free tpd=100000", "paid rpm=600", "* neurons/day=10000"}, true},
		{"gift", true, true, true, false, "preview", 0, "", []string{"free tpd=100000", "* neurons/day=10000"}, false},
		{"euro", true, true, true, false, "", 0, "EUR", []string{"free tpd=100000", "* neurons/day=10000"}, false},
		// A model the catalog does not know: only what applies to every model.
		{"newcomer", true, false, true, false, "", 8192, "", []string{"free tpd=100000", "* neurons/day=10000"}, false},
		// Free by its suffix, with the pattern's limit before the "*" one.
		{"vendor/thing:free", true, false, true, false, "", 0, "", []string{"free rpm=20", "free tpd=100000", "* neurons/day=10000"}, false},
		// In the catalog, no longer listed.
		{"retired", false, true, true, false, "", 0, "", []string{"free tpd=100000", "* neurons/day=10000"}, false},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			e := byID[c.id]
			if e.Provider != "fake" || e.Listed != c.listed || e.InCatalog != c.inCatalog || e.Free != c.free || e.Default != c.deflt {
				t.Errorf("provider=%q listed=%v in_catalog=%v free=%v default=%v, want fake %v %v %v %v",
					e.Provider, e.Listed, e.InCatalog, e.Free, e.Default, c.listed, c.inCatalog, c.free, c.deflt)
			}
			if e.Status != c.status || e.ContextLength != c.context {
				t.Errorf("status=%q context=%d, want %q %d", e.Status, e.ContextLength, c.status, c.context)
			}
			if (e.Price == nil) != (c.currency == "") || (e.Price != nil && e.Price.Currency != c.currency) {
				t.Errorf("price %+v, want currency %q", e.Price, c.currency)
			}
			if got := limitStrings(e.Limits); !reflect.DeepEqual(got, c.limits) {
				t.Errorf("limits %v, want %v", got, c.limits)
			}
			if (e.Quota != nil) != c.wantQuota {
				t.Errorf("quota %+v, want present=%v", e.Quota, c.wantQuota)
			}
		})
	}
	if e := byID["big"]; e.OwnedBy != "acme" || e.Price.Confidence != "dated" || e.Price.AsOf != "2026-08-27" {
		t.Errorf("big: owned_by %q, price %+v: want the provider's owner and the price's provenance", e.OwnedBy, e.Price)
	}
}

func limitStrings(ls []Limit) []string {
	var out []string
	for _, l := range ls {
		s := l.Tier
		for _, f := range []struct {
			n string
			v *int64
		}{{"rpm", l.RPM}, {"rph", l.RPH}, {"rpd", l.RPD}, {"tpm", l.TPM}, {"tph", l.TPH}, {"tpd", l.TPD},
			{l.Unit + "/minute", l.PerMinute}, {l.Unit + "/day", l.PerDay}, {l.Unit + "/month", l.PerMonth}} {
			if f.v != nil {
				s += " " + f.n + "=" + jsonString(*f.v)
			}
		}
		if l.AsOf == "" || l.Source == "" {
			s += " (no provenance)"
		}
		out = append(out, s)
	}
	return out
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestMergeUnknownList(t *testing.T) {
	// No live list at all (nil): catalog models are shown, none as listed.
	got := Merge(testProfile(), nil, nil)
	if len(got) != 4 {
		t.Fatalf("%d entries, want the catalog's 4", len(got))
	}
	for _, e := range got {
		if e.Listed || !e.InCatalog {
			t.Errorf("%s: listed=%v in_catalog=%v, want false true", e.ID, e.Listed, e.InCatalog)
		}
	}
}

func TestEntryJSONOmitsUnknowns(t *testing.T) {
	e := Merge(&catalog.Profile{Name: "fake"}, []store.CachedModel{{ID: "plain"}}, nil)[0]
	var m map[string]any
	if err := json.Unmarshal([]byte(jsonString(e)), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"provider": "fake", "id": "plain", "listed": true, "in_catalog": false}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("JSON %v, want only %v: unknown fields must be absent, never zero", m, want)
	}
}

func TestFree(t *testing.T) {
	p := testProfile()
	p.Limits = p.Limits[1:] // no free-tier limit for "*": only "big" and "*:free" have one
	live := []store.CachedModel{{ID: "big"}, {ID: "euro"}, {ID: "gift"}, {ID: "x:free"}, {ID: "newcomer"}}
	tests := []struct {
		id, reason string // reason "": not free, not kept
	}{
		{"big", "free tier limits published"}, // Groq's case: "free: RPM 30 · RPD 1000"
		{"euro", ""},                          // a price, no free-tier limit
		{"gift", "marked free in the catalog"},
		{"newcomer", ""}, // unknown to the catalog, only the every-tier limit applies
		{"retired", ""},  // in the catalog, not listed, not free
		{"x:free", `free model suffix ":free"`},
	}
	var want []string
	all := Merge(p, live, nil)
	byID := map[string]Entry{}
	for _, e := range all {
		byID[e.ID] = e
	}
	for _, tt := range tests {
		e := byID[tt.id]
		if e.ID != tt.id || e.Free != (tt.reason != "") || e.FreeReason != tt.reason {
			t.Errorf("%s: free=%v reason=%q, want %s free=%v reason=%q", e.ID, e.Free, e.FreeReason, tt.id, tt.reason != "", tt.reason)
		}
		if tt.reason != "" {
			want = append(want, tt.id)
		}
	}
	var ids []string
	for _, e := range Free(all) {
		ids = append(ids, e.ID)
	}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("free %v, want %v", ids, want)
	}
	if got := Free(nil); got == nil || len(got) != 0 {
		t.Errorf("Free(nil) = %#v, want an empty, non-nil list (JSON [])", got)
	}
}

func TestKnown(t *testing.T) {
	p := testProfile()
	p.DefaultModel = "only-default" // not among the catalog's models
	st := store.Open(t.TempDir())

	ids := func() []string {
		var out []string
		for _, e := range Known(st, p) {
			out = append(out, e.ID)
		}
		return out
	}
	if got, want := ids(), []string{"big", "euro", "gift", "only-default", "retired"}; !reflect.DeepEqual(got, want) {
		t.Errorf("without a cache: %v, want the catalog's models and the default %v", got, want)
	}
	if err := st.SaveModels("fake", []store.CachedModel{{ID: "cached-1"}, {ID: "big"}}, time.Now().Add(-30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, want := ids(), []string{"big", "cached-1", "euro", "gift", "only-default", "retired"}; !reflect.DeepEqual(got, want) {
		t.Errorf("with an old cache: %v, want %v", got, want)
	}
}
