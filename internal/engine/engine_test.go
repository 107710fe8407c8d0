package engine

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	tier "github.com/tier-cli/tier"
	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

const goodKey = "test-key-good-0001"

// memKeys is a key source over an in-memory keyring: service the provider,
// user the key name.
type memKeys struct{ b *keys.MemoryBackend }

func (m memKeys) Key(_ context.Context, p *catalog.Profile, name, _ string) (string, string, error) {
	k, err := m.b.Get(p.Name, name)
	if err != nil {
		return "", "", err
	}
	return k, "keyring", nil
}

// world is an engine over a fake Groq at fake's address, a fresh store,
// a fixed clock and an in-memory keyring holding key as groq's default.
func world(t *testing.T, fake *fakeprovider.Server, key string) (*Engine, *catalog.Profile) {
	t.Helper()
	fake.Key = goodKey
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	user := "providers:\n  groq:\n    base_url: \"" + srv.URL + "/v1\"\n"
	cat, err := catalog.LoadBytes(tier.ProvidersYAML, []byte(user), "providers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := cat.Profile("groq")
	if err != nil {
		t.Fatal(err)
	}
	b := keys.NewMemoryBackend()
	if key != "" {
		b.Set("groq", keys.DefaultName, key)
	}
	e := &Engine{Catalog: cat, Store: store.Open(t.TempDir()), Keys: memKeys{b},
		Now: func() time.Time { return t0 }, Getenv: func(string) string { return "" }, UserAgent: "tier/test"}
	return e, p
}

func request(p *catalog.Profile, out *bytes.Buffer) Request {
	return Request{
		Target: Target{Profile: p, Key: keys.DefaultName, Model: fakeprovider.Model},
		Chat:   api.ChatRequest{Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "hello there"}}},
		Options: api.CallOptions{Stream: true, Out: out, Retries: 2, MaxWait: time.Minute,
			Wait: func(context.Context, time.Duration, string) error { return nil }},
	}
}

func window(s quota.Snapshot, metric, period string) *quota.Window {
	for i, w := range s.Windows {
		if w.Metric == metric && w.Period == period {
			return &s.Windows[i]
		}
	}
	return nil
}

func TestCall(t *testing.T) {
	rateLimited := fakeprovider.Step{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}},
		Body: `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`}
	cases := []struct {
		name  string
		key   string
		steps []fakeprovider.Step
		// what the fake saw and what the store holds after the call
		sent, ledger int64
		learned      bool
		snapshots    int
		wantErr      func(error) bool
		check        func(t *testing.T, fake *fakeprovider.Server, snap quota.Snapshot)
		noCall       bool // the call is not made at all
	}{
		{name: "a call that succeeds records once", key: goodKey, steps: []fakeprovider.Step{{Reply: "hi there"}},
			sent: 1, ledger: 1, learned: true, snapshots: 1,
			check: func(t *testing.T, fake *fakeprovider.Server, snap quota.Snapshot) {
				if w := window(snap, quota.Requests, quota.PeriodDay); w == nil || w.Remaining == nil || *w.Remaining != fakeprovider.DefaultLimits.RPD-1 {
					t.Errorf("requests/day window = %+v, want %d left", w, fakeprovider.DefaultLimits.RPD-1)
				}
			}},
		{name: "a 429 then success records the success's figures", key: goodKey, steps: []fakeprovider.Step{rateLimited, {Reply: "hi"}},
			sent: 2, ledger: 1, learned: true, snapshots: 1,
			check: func(t *testing.T, fake *fakeprovider.Server, snap quota.Snapshot) {
				// The fake counts both requests: the second response says 2 used.
				if w := window(snap, quota.Requests, quota.PeriodDay); w == nil || w.Remaining == nil || *w.Remaining != fakeprovider.DefaultLimits.RPD-2 {
					t.Errorf("requests/day window = %+v, want %d left (the success's)", w, fakeprovider.DefaultLimits.RPD-2)
				}
			}},
		{name: "a 429 then a success without headers keeps the 429's figures", key: goodKey,
			steps: []fakeprovider.Step{rateLimited, {Reply: "hi", NoLimitHeaders: true}},
			sent:  2, ledger: 1, learned: true, snapshots: 1,
			check: func(t *testing.T, fake *fakeprovider.Server, snap quota.Snapshot) {
				if w := window(snap, quota.Requests, quota.PeriodDay); w == nil || w.Remaining == nil || *w.Remaining != fakeprovider.DefaultLimits.RPD-1 {
					t.Errorf("requests/day window = %+v, want %d left (the 429's)", w, fakeprovider.DefaultLimits.RPD-1)
				}
			}},
		{name: "a cut 2xx is never sent again", key: goodKey, steps: []fakeprovider.Step{{Reply: "one two three four", CutAfter: 2}, {Reply: "again"}},
			sent: 1, ledger: 1, learned: true, snapshots: 1,
			wantErr: func(err error) bool { var ae *api.Error; return errors.As(err, &ae) && ae.StreamCut }},
		{name: "a refused key records nothing", key: "test-key-wrong-9999", steps: []fakeprovider.Step{{Reply: "hi"}},
			sent: 1, ledger: 0, learned: false, snapshots: 0,
			wantErr: func(err error) bool { var ae *api.Error; return errors.As(err, &ae) && ae.Class == quota.ClassAuth }},
		{name: "no key: no call, nothing recorded", key: "", noCall: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := fakeprovider.New(fakeprovider.Groq, c.steps...)
			e, p := world(t, fake, c.key)
			var out bytes.Buffer
			res, err := e.Call(context.Background(), request(p, &out))
			if c.noCall {
				if !errors.Is(err, keys.ErrNotFound) {
					t.Errorf("Call without a key: %v, want keys.ErrNotFound", err)
				}
			} else if err != nil {
				t.Fatalf("Call: %v", err)
			}
			if got := int64(len(fake.Requests())); got != c.sent {
				t.Errorf("the provider saw %d requests, want %d", got, c.sent)
			}
			switch {
			case c.wantErr == nil && res.Err != nil:
				t.Errorf("call failed: %v", res.Err)
			case c.wantErr != nil && !c.wantErr(res.Err):
				t.Errorf("call error %#v is not the one expected", res.Err)
			}
			if res.Learned != c.learned || (res.Left != nil) != c.learned {
				t.Errorf("learned %v, left %v; want learned %v", res.Learned, res.Left != nil, c.learned)
			}
			if res.Unsaved != "" {
				t.Errorf("unsaved: %s", res.Unsaved)
			}
			if n, _, err := e.Store.UsageSince("groq", keys.DefaultName, fakeprovider.Model, t0.Add(-time.Hour), t0); n != c.ledger || err != nil {
				t.Errorf("ledger holds %d requests (%v), want %d", n, err, c.ledger)
			}
			snaps, err := e.Store.Snapshots()
			if len(snaps) != c.snapshots || err != nil {
				t.Fatalf("store holds %d snapshots (%v), want %d", len(snaps), err, c.snapshots)
			}
			if c.check != nil {
				c.check(t, fake, snaps[0])
				if res.Snapshot == nil || window(*res.Snapshot, quota.Requests, quota.PeriodDay) == nil {
					t.Errorf("the result's snapshot has no requests/day window: %+v", res.Snapshot)
				}
			}
		})
	}
}

// The demo provider counts in the store through the api's DemoCounter.
func TestDemoCounts(t *testing.T) {
	e, _ := world(t, fakeprovider.New(fakeprovider.Groq), "")
	p, err := e.Catalog.Profile("demo")
	if err != nil {
		t.Fatal(err)
	}
	req := request(p, &bytes.Buffer{})
	req.Model = p.DefaultModel
	for i := range 2 {
		res, err := e.Call(context.Background(), req)
		if err != nil || res.Err != nil {
			t.Fatalf("demo call %d: %v %v", i, err, res.Err)
		}
	}
	if n, _, _ := e.Store.UsageSince("demo", keys.DefaultName, p.DefaultModel, t0.Add(-time.Hour), t0); n != 2 {
		t.Errorf("ledger holds %d demo requests, want 2", n)
	}
	s, ok, _ := e.Store.Snapshot("demo", keys.DefaultName, p.DefaultModel)
	rpm, _ := demoLimits(p)
	if w := window(s, quota.Requests, quota.PeriodMinute); !ok || w == nil || w.Remaining == nil || *w.Remaining != rpm-2 {
		t.Errorf("demo's requests/minute window = %+v, want %d left", w, rpm-2)
	}
}

func TestRefreshProbe(t *testing.T) {
	cases := []struct {
		name   string
		key    string
		probe  bool
		msgs   []string
		ledger int64
		asked  bool
		err    bool
	}{
		{name: "a probe spends one request and records it", key: goodKey, probe: true, asked: true, ledger: 1,
			msgs: []string{"probed m1 (spent 1 request, 1 output token)"}},
		{name: "without --probe nothing is spent", key: goodKey, asked: true,
			msgs: []string{"nothing to refresh: it has no balance endpoint and reports its limits only on chat calls: --probe spends one request to learn them"}},
		{name: "a named provider without a key fails unasked", probe: true, err: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := fakeprovider.New(fakeprovider.Groq)
			e, _ := world(t, fake, c.key)
			rs := e.Refresh(context.Background(), RefreshRequest{Providers: []string{"groq"}, Probe: c.probe, Model: fakeprovider.Model, Timeout: 5 * time.Second})
			if len(rs) != 1 {
				t.Fatalf("%d results, want 1", len(rs))
			}
			r := rs[0]
			if r.Provider != "groq" || r.Asked != c.asked || (r.Err != nil) != c.err || r.Unsaved != "" {
				t.Errorf("result %+v: want asked %v, an error %v", r, c.asked, c.err)
			}
			if len(r.Messages) != len(c.msgs) || (len(c.msgs) > 0 && r.Messages[0] != c.msgs[0]) {
				t.Errorf("messages %q, want %q", r.Messages, c.msgs)
			}
			if n, _, _ := e.Store.UsageSince("groq", keys.DefaultName, fakeprovider.Model, t0.Add(-time.Hour), t0); n != c.ledger {
				t.Errorf("ledger holds %d requests, want %d", n, c.ledger)
			}
		})
	}
}
