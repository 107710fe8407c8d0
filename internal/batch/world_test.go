package batch

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	tier "github.com/tier-cli/tier"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/store"
)

type testKeys struct{}

func (testKeys) Key(context.Context, *catalog.Profile, string, string) (string, string, error) {
	return "test-key-batch-0001", "env:TEST", nil
}

// fake is one fake provider of a test world: its name in the catalog and
// the YAML lines of its profile besides base_url.
type fake struct {
	name    string
	srv     *fakeprovider.Server
	profile string
}

// world is an engine over fakes, each a provider of the catalog, with a
// fresh store and the real clock.
func world(t testing.TB, fakes ...fake) (*engine.Engine, *catalog.Catalog) {
	t.Helper()
	var y strings.Builder
	y.WriteString("providers:\n")
	for _, f := range fakes {
		srv := httptest.NewServer(f.srv)
		t.Cleanup(srv.Close)
		fmt.Fprintf(&y, "  %s:\n    base_url: %q\n    default_model: m1\n%s", f.name, srv.URL+"/v1", f.profile)
	}
	cat, err := catalog.LoadBytes(tier.ProvidersYAML, []byte(y.String()), "providers.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, y.String())
	}
	e := &engine.Engine{Catalog: cat, Store: store.Open(t.TempDir()), Keys: testKeys{}, Now: time.Now,
		Getenv: func(string) string { return "" }, UserAgent: "tier/test"}
	return e, cat
}

func target(t testing.TB, cat *catalog.Catalog, provider, key string) Target {
	t.Helper()
	p, err := cat.Profile(provider)
	if err != nil {
		t.Fatal(err)
	}
	name := provider + "/" + key + "/m1"
	return Target{Target: engine.Target{Profile: p, Key: key, Model: "m1"}, Name: name, Limits: CatalogLimits(p, "m1")}
}

func rowsOf(n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{Line: i + 1, CustomID: fmt.Sprintf("r%d", i+1),
			Body: Body{Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "say hi"}}, MaxTokens: 5}}
	}
	return rows
}

// memSink keeps what a run writes.
type memSink struct {
	mu   sync.Mutex
	sent []string
	rows []OutputRow
}

func (m *memSink) Sent(r Row) error {
	m.mu.Lock()
	m.sent = append(m.sent, r.CustomID)
	m.mu.Unlock()
	return nil
}
func (m *memSink) Write(r OutputRow) error {
	m.mu.Lock()
	m.rows = append(m.rows, r)
	m.mu.Unlock()
	return nil
}

// limitsYAML is a profile's published limits of rpm requests per minute.
func limitsYAML(rpm int) string {
	return fmt.Sprintf("    limits:\n      - tier: free\n        models: [\"*\"]\n        rpm: %d\n        as_of: 2026-11-01\n        source: test\n", rpm)
}
