package engine

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tier "github.com/tier-cli/tier"
	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/usage"
)

type row struct {
	kind, outcome, fp, tag string
	prompt, completion     int64
	cost                   *float64
	estimated              bool
}

func rows(t *testing.T, l *usage.Log) []row {
	t.Helper()
	db, err := l.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rs, err := db.SQL().Query(`SELECT kind, outcome, coalesce(key_fingerprint,''), coalesce(tag,''), prompt_tokens, completion_tokens, cost, cost_estimated FROM calls ORDER BY at, rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []row
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.kind, &r.outcome, &r.fp, &r.tag, &r.prompt, &r.completion, &r.cost, &r.estimated); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// Every call class is logged once, with the key's fingerprint (never the
// key), the tag and the cost: reported, estimated from the catalog, or
// unknown (NULL, not 0).
func TestUsageLog(t *testing.T) {
	rateLimited := fakeprovider.Step{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}},
		Body: `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`}
	cases := []struct {
		name    string
		key     string
		priced  bool
		steps   []fakeprovider.Step
		retries int
		want    row
	}{
		{name: "ok, no price known: cost unknown", key: goodKey, steps: []fakeprovider.Step{{Reply: "hi there"}},
			want: row{kind: "chat", outcome: "ok", prompt: 2, completion: 2}},
		{name: "ok, catalog price: estimated", key: goodKey, priced: true, steps: []fakeprovider.Step{{Reply: "hi there"}},
			want: row{kind: "chat", outcome: "ok", prompt: 2, completion: 2, cost: ptr(2*1.0/1e6 + 2*2.0/1e6), estimated: true}},
		{name: "ok, provider's cost wins", key: goodKey, priced: true, steps: []fakeprovider.Step{{Reply: "hi there", Cost: "0.25"}},
			want: row{kind: "chat", outcome: "ok", prompt: 2, completion: 2, cost: ptr(0.25)}},
		{name: "429 not retried: logged, costs nothing", key: goodKey, steps: []fakeprovider.Step{rateLimited},
			want: row{kind: "chat", outcome: "rate_limited", cost: ptr(0)}},
		{name: "refused key", key: "test-key-wrong-9999", steps: []fakeprovider.Step{{Reply: "hi"}},
			want: row{kind: "chat", outcome: "auth", cost: ptr(0)}},
		{name: "cut stream", key: goodKey, steps: []fakeprovider.Step{{Reply: "one two three four", CutAfter: 2}},
			want: row{kind: "chat", outcome: "stream_cut", prompt: 3, completion: 2, estimated: false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := fakeprovider.New(fakeprovider.Groq, c.steps...)
			e, p := world(t, fake, c.key)
			if c.priced {
				e.Catalog, p = pricedCatalog(t, p.BaseURL)
			}
			dir := t.TempDir()
			e.Usage, e.Tag = usage.New(dir), "ci-job"
			req := request(p, &bytes.Buffer{})
			req.Options.Retries = c.retries
			res, err := e.Call(context.Background(), req)
			if err != nil || res.Unsaved != "" {
				t.Fatalf("Call: %v %s", err, res.Unsaved)
			}
			got := rows(t, e.Usage)
			if len(got) != 1 {
				t.Fatalf("%d rows, want 1: %+v", len(got), got)
			}
			g, w := got[0], c.want
			w.tag, w.fp = "ci-job", keys.Fingerprint(c.key)
			if g.kind != w.kind || g.outcome != w.outcome || g.fp != w.fp || g.tag != w.tag || g.estimated != w.estimated ||
				(w.prompt != 0 && (g.prompt != w.prompt || g.completion != w.completion)) || !sameCost(g.cost, w.cost) {
				t.Errorf("row %+v (cost %v), want %+v (cost %v)", g, deref(g.cost), w, deref(w.cost))
			}
			for _, f := range []string{usage.JournalFile, usage.DBFile} {
				b, _ := os.ReadFile(filepath.Join(dir, f))
				if strings.Contains(string(b), c.key) {
					t.Errorf("%s holds the key", f)
				}
			}
		})
	}
}

func TestUsageLogProbe(t *testing.T) {
	fake := fakeprovider.New(fakeprovider.Groq)
	e, _ := world(t, fake, goodKey)
	e.Usage = usage.New(t.TempDir())
	e.Refresh(context.Background(), RefreshRequest{Providers: []string{"groq"}, Probe: true, Model: fakeprovider.Model, Timeout: 5e9})
	got := rows(t, e.Usage)
	if len(got) != 1 || got[0].kind != "probe" || got[0].outcome != "ok" {
		t.Fatalf("rows %+v, want one probe", got)
	}
}

func pricedCatalog(t *testing.T, base string) (*catalog.Catalog, *catalog.Profile) {
	t.Helper()
	user := "providers:\n  groq:\n    base_url: \"" + base + "\"\n    models:\n      - id: " + fakeprovider.Model +
		"\n        price: {input: 1, output: 2, as_of: 2026-12-01, source: https://example.com}\n"
	cat, err := catalog.LoadBytes(tier.ProvidersYAML, []byte(user), "providers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cat.Profile("groq")
	return cat, p
}

func ptr(f float64) *float64 { return &f }

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func sameCost(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	d := *a - *b
	return d < 1e-12 && d > -1e-12
}

// BenchmarkLogCall is what logging adds to a call made through the
// engine: the row built (cost at the catalog's price) and appended to the
// journal. A whole chat against a local fake takes 1.6-3 ms here.
func BenchmarkLogCall(b *testing.B) {
	cat, err := catalog.LoadBytes(tier.ProvidersYAML, nil, "")
	if err != nil {
		b.Fatal(err)
	}
	p, _ := cat.Profile("groq")
	e := &Engine{Catalog: cat, Now: time.Now, Usage: usage.New(b.TempDir())}
	cl := api.New(api.Config{Provider: "groq", KeyFingerprint: "…a1b2"})
	reply := &api.Reply{Usage: &api.Usage{PromptTokens: 20, CompletionTokens: 40}, Latency: 300 * time.Millisecond}
	t := Target{Profile: p, Key: "default", Model: p.DefaultModel}
	for b.Loop() {
		if msg := e.logCall(t, "", cl, reply, nil, nil); msg != "" {
			b.Fatal(msg)
		}
	}
}
