package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/ptytest"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/ui"
)

// End-to-end tests of 'tier quota': tier runs in process (Run) against fake
// providers of several header dialects (internal/fakeprovider), each behind
// an httptest server that also plays the provider's balance endpoint and
// counts every request it gets. The user's providers.yaml points the
// catalog's providers at those servers; keys come from the environment.
// The state store is filled by real 'tier chat' calls; the clock (testNow)
// is frozen and moved by the tests. No test here may run in parallel: they
// set testNow and testKeyBackend.

// qprov is one fake provider: chat and GET /models from fakeprovider, plus
// a balance endpoint, behind one httptest server.
type qprov struct {
	name string
	key  string // the only key the server accepts (obviously fake)
	fake *fakeprovider.Server
	srv  *httptest.Server

	hits    atomic.Int64 // every request, whatever the path
	balance atomic.Int64 // balance requests

	mu            sync.Mutex
	balanceStatus int           // 0: 200
	balanceBody   string        // the balance endpoint's answer
	balanceDelay  time.Duration // how long the balance endpoint takes
	modelsHeader  http.Header   // rate-limit headers sent with GET /models
}

func (p *qprov) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.hits.Add(1)
	p.mu.Lock()
	status, body, delay, mh := p.balanceStatus, p.balanceBody, p.balanceDelay, p.modelsHeader
	p.mu.Unlock()
	switch {
	case strings.HasSuffix(r.URL.Path, "/balance-endpoint"):
		p.balance.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+p.key {
			http.Error(w, `{"error":{"message":"Invalid API key"}}`, http.StatusUnauthorized)
			return
		}
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		if status == 0 {
			status = http.StatusOK
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
		return
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/models"):
		for k, v := range mh {
			w.Header()[k] = v
		}
	}
	p.fake.ServeHTTP(w, r)
}

func (p *qprov) setModelsHeader(h http.Header) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.modelsHeader = h
}

func (p *qprov) setBalance(status int, body string, delay time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.balanceStatus, p.balanceBody, p.balanceDelay = status, body, delay
}

// chats returns the chat requests the provider got.
func (p *qprov) chats() []fakeprovider.Request { return p.fake.Requests() }

// qworld is one tier installation: config and state directories, the
// environment a run sees, the fake providers and the clock.
type qworld struct {
	t      *testing.T
	cfg    string
	state  string
	env    map[string]string
	provs  map[string]*qprov
	t0     time.Time     // the clock's start
	offset time.Duration // how far the clock has moved since t0
	yaml   strings.Builder
	// keyring is the keyring tier uses; nil: the OS keyring (turned off
	// by TIER_NO_KEYRING, which newQWorld sets).
	keyring keys.Backend
}

// providerSpec is a provider of the built-in catalog pointed at a fake
// server speaking dialect, with extra YAML lines for its catalog entry.
type providerSpec struct {
	name    string
	dialect fakeprovider.Dialect
	envVar  string // the catalog's key variable
	balance string // balance kind, "" for none
	extra   string // more YAML for the entry (indented four spaces)
	steps   []fakeprovider.Step
}

// The providers of the tests, by the catalog's names; gemini gets
// published limits in the user's file (the built-in catalog has none).
var qspecs = map[string]providerSpec{
	"groq":      {name: "groq", dialect: fakeprovider.Groq, envVar: "GROQ_API_KEY"},
	"cerebras":  {name: "cerebras", dialect: fakeprovider.Cerebras, envVar: "CEREBRAS_API_KEY"},
	"sambanova": {name: "sambanova", dialect: fakeprovider.SambaNova, envVar: "SAMBANOVA_API_KEY"},
	"openrouter": {name: "openrouter", dialect: fakeprovider.OpenRouter, envVar: "OPENROUTER_API_KEY", balance: "openrouter",
		// The second call and later: OpenRouter's own 429, with its headers.
		steps: []fakeprovider.Step{{}, {Status: http.StatusTooManyRequests, Body: fakeprovider.BodyRateLimited}}},
	"gemini": {name: "gemini", dialect: fakeprovider.None, envVar: "GEMINI_API_KEY",
		extra: "    limits:\n      - {tier: free, models: [\"*\"], rpm: 5, rpd: 20, tpd: 1000, as_of: 2026-11-01, source: \"https://fake.test/limits\"}\n"},
	"deepseek": {name: "deepseek", dialect: fakeprovider.None, envVar: "DEEPSEEK_API_KEY", balance: "deepseek"},
	"vercel":   {name: "vercel", dialect: fakeprovider.None, envVar: "AI_GATEWAY_API_KEY", balance: "vercel"},
}

// qt0 is the frozen clock's start: now, to the second, so that the resets
// fakeprovider writes as absolute times (SambaNova's epoch seconds) are
// near it.
func newQWorld(t *testing.T, names ...string) *qworld {
	t.Helper()
	w := &qworld{t: t, cfg: t.TempDir(), state: t.TempDir(), provs: map[string]*qprov{},
		t0: time.Now().UTC().Truncate(time.Second)}
	w.env = map[string]string{
		"TIER_CONFIG_DIR":    w.cfg,
		"TIER_STATE_DIR":     w.state,
		"TIER_NO_KEYRING":    "1",
		"HOME":               t.TempDir(),
		"TIER_STDIN_TIMEOUT": "10s",
	}
	w.yaml.WriteString("providers:\n")
	for _, n := range names {
		w.add(qspecs[n])
	}
	w.writeConfig()
	return w
}

func (w *qworld) add(s providerSpec) *qprov {
	p := &qprov{name: s.name, key: "test-key-" + s.name + "-0001", fake: fakeprovider.New(s.dialect, s.steps...)}
	p.fake.Key = p.key
	p.srv = httptest.NewServer(p)
	w.t.Cleanup(p.srv.Close)
	w.provs[s.name] = p
	w.env[s.envVar] = p.key
	fmt.Fprintf(&w.yaml, "  %s:\n    base_url: %q\n", s.name, p.srv.URL+"/v1")
	if s.balance != "" {
		fmt.Fprintf(&w.yaml, "    balance: {kind: %s, url: %q}\n", s.balance, p.srv.URL+"/balance-endpoint")
	}
	w.yaml.WriteString(s.extra)
	return p
}

func (w *qworld) writeConfig() {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.cfg, "providers.yaml"), []byte(w.yaml.String()), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

func (w *qworld) now() time.Time { return w.t0.Add(w.offset) }

// factory is what a run of tier sees: the world's environment, frozen
// clock and keyring.
func (w *qworld) factory(stdin io.Reader, stdout, stderr io.Writer) *Env {
	return &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: func(k string) string { return w.env[k] },
		Now: w.now, Keyring: w.keyring}
}

// advance moves the clock.
func (w *qworld) advance(d time.Duration) { w.offset += d }

// qrun is what one run printed and returned.
type qrun struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r qrun) String() string {
	return fmt.Sprintf("tier %s: exit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// run runs tier in process; no key may appear in what it printed.
func (w *qworld) run(args ...string) qrun {
	w.t.Helper()
	return w.runIn("", args...)
}

// runIn runs tier with stdin.
func (w *qworld) runIn(stdin string, args ...string) qrun {
	w.t.Helper()
	var out, errb bytes.Buffer
	env := w.factory(strings.NewReader(stdin), &out, &errb)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := qrun{args: args, code: Run(ctx, env, args), stdout: out.String(), stderr: errb.String()}
	for _, p := range w.provs {
		if strings.Contains(r.stdout, p.key) || strings.Contains(r.stderr, p.key) {
			w.t.Errorf("tier %s printed an API key", strings.Join(args, " "))
		}
	}
	return r
}

// must runs tier and fails the test unless it exits with code.
func (w *qworld) must(code int, args ...string) qrun {
	w.t.Helper()
	r := w.run(args...)
	if r.code != code {
		w.t.Fatalf("want exit %d:\n%s", code, r)
	}
	return r
}

// chat makes n real chat calls to provider, each expected to exit code.
func (w *qworld) chat(provider string, n, code int, extra ...string) {
	w.t.Helper()
	for range n {
		w.must(code, append([]string{"chat", "-p", provider, "--no-stdin", "--retries", "0", "hello"}, extra...)...)
	}
}

// hits is the number of requests every fake server has had.
func (w *qworld) hits() int64 {
	var n int64
	for _, p := range w.provs {
		n += p.hits.Load()
	}
	return n
}

// snaps decodes 'tier quota --json' output, checking that every member is
// one of the contract's.
func (w *qworld) snaps(r qrun) []quota.Snapshot {
	w.t.Helper()
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		w.t.Fatalf("stdout is not a JSON array: %v\n%s", err, r)
	}
	allowed := map[string][]string{
		"snapshot": {"provider", "key", "model", "observed_at", "windows", "retry_after_s", "credit", "budget"},
		"window":   {"metric", "period", "limit", "remaining", "reset_at", "source", "observed_at", "learned_at", "runs_out_at", "burn_per_hour"},
		"credit":   {"remaining", "granted", "unit", "expires_at", "source", "granted_remaining", "topped_up_remaining", "lasts_until", "burn_per_day"},
	}
	check := func(what string, m map[string]json.RawMessage) {
		for k := range m {
			if !slices.Contains(allowed[what], k) {
				w.t.Errorf("%s member %q is not in the snapshot contract", what, k)
			}
		}
	}
	for _, s := range raw {
		check("snapshot", s)
		var ws []map[string]json.RawMessage
		json.Unmarshal(s["windows"], &ws)
		for _, x := range ws {
			check("window", x)
		}
		if c, ok := s["credit"]; ok {
			var cm map[string]json.RawMessage
			json.Unmarshal(c, &cm)
			check("credit", cm)
		}
	}
	var out []quota.Snapshot
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		w.t.Fatal(err)
	}
	return out
}

// qSnapOf returns the snapshot of provider and model; model "*" is the
// provider's first snapshot with a model, "" its account snapshot.
func qSnapOf(t *testing.T, snaps []quota.Snapshot, provider, model string) quota.Snapshot {
	t.Helper()
	for _, s := range snaps {
		if s.Provider == provider && (s.Model == model || (model == "*" && s.Model != "")) {
			return s
		}
	}
	t.Fatalf("no snapshot of %s %q among %d", provider, model, len(snaps))
	return quota.Snapshot{}
}

// windowsOf renders windows as "metric/period remaining/limit source"
// ("-" for a figure not reported), in the snapshot's order.
func qWindows(s quota.Snapshot) []string {
	var out []string
	for _, w := range s.Windows {
		out = append(out, fmt.Sprintf("%s/%s %s/%s %s", w.Metric, w.Period, qNum(w.Remaining), qNum(w.Limit), w.Source))
	}
	return out
}

func qNum(p *int64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

// table parses the plain (pipe) table of stdout into rows keyed by the
// upper-case headers. Cells start where their header starts.
func qTable(t *testing.T, stdout string) []map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		return nil
	}
	if strings.Contains(lines[0], "\t") { // a pipe: tab-separated
		names := strings.Split(lines[0], "\t")
		var rows []map[string]string
		for _, l := range lines[1:] {
			row := map[string]string{}
			for c, v := range strings.Split(l, "\t") {
				if c < len(names) {
					row[names[c]] = v
				}
			}
			rows = append(rows, row)
		}
		return rows
	}
	head := []rune(lines[0])
	var starts []int
	var names []string
	for i := 0; i < len(head); i++ {
		if head[i] != ' ' && (i == 0 || head[i-1] == ' ') {
			starts = append(starts, i)
			j := i
			for j < len(head) && head[j] != ' ' {
				j++
			}
			names = append(names, string(head[i:j]))
		}
	}
	var rows []map[string]string
	for _, l := range lines[1:] {
		r := []rune(l)
		row := map[string]string{}
		for c, s := range starts {
			end := len(r)
			if c+1 < len(starts) {
				end = min(end, starts[c+1])
			}
			if s < len(r) {
				row[names[c]] = strings.TrimSpace(string(r[s:end]))
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// rowOf returns the table row of provider/model.
func qRowOf(t *testing.T, rows []map[string]string, provider, model string) map[string]string {
	t.Helper()
	for _, r := range rows {
		if r["PROVIDER"] == provider && r["MODEL"] == model {
			return r
		}
	}
	t.Fatalf("no row for %s %s in %v", provider, model, rows)
	return nil
}

var qCountdown = regexp.MustCompile(`↻\S+`)

// masked replaces reset countdowns with "↻…".
func qMasked(s string) string { return qCountdown.ReplaceAllString(s, "↻…") }

// cells checks the named cells of a table row (countdowns masked).
func qCells(t *testing.T, row map[string]string, want map[string]string) {
	t.Helper()
	for col, w := range want {
		if got := qMasked(row[col]); got != w {
			t.Errorf("%s %s: %s is %q, want %q", row["PROVIDER"], row["MODEL"], col, got, w)
		}
	}
}

func qDate(at time.Time) string { return at.In(time.Local).Format("2006-01-02") }

// After real chat calls to providers of several header dialects, quota
// shows one row per provider, key and model: what each reported, the
// catalog's limits where it reported nothing (estimated from the calls
// tier made), credit, and how old it is; --json gives the same as
// snapshots in the contract form.
func TestQuotaAfterChatCalls(t *testing.T) {
	t.Parallel()
	w := newQWorld(t, "groq", "cerebras", "sambanova", "openrouter", "gemini", "deepseek")
	for _, p := range []string{"groq", "cerebras", "sambanova", "gemini"} {
		w.chat(p, 2, ExitOK)
	}
	w.chat("deepseek", 1, ExitOK)
	w.chat("openrouter", 1, ExitOK)
	w.chat("openrouter", 1, ExitExhausted) // OpenRouter's own 429: its headers say the window is used up

	r := w.must(ExitOK, "quota")
	rows := qTable(t, r.stdout)
	if len(rows) != 6 {
		t.Fatalf("want 6 rows, one per provider/key/model:\n%s", r)
	}
	tests := []struct {
		provider, model string
		cells           map[string]string
	}{
		// Groq reports RPD and TPM; the catalog publishes only TPM for this model.
		{"groq", "llama-3.1-8b-instant", map[string]string{"RPM": "-", "RPD": "14398/14400 ↻…", "TPM": "5994/6000 ↻…", "TPD": "-", "CREDIT": "-"}},
		// Cerebras reports RPM, RPD, TPM; the catalog's RPH, TPH, TPD are estimated.
		{"cerebras", "gpt-oss-120b", map[string]string{"RPM": "28/30 ↻…", "RPH": "~898/900", "RPD": "14398/14400 ↻…",
			"TPM": "5994/6000 ↻…", "TPH": "~999K/1M", "TPD": "~999K/1M"}},
		// SambaNova: RPM, RPD reported; the catalog's free TPD and its $5 grant valid 90 days, estimated.
		{"sambanova", "Meta-Llama-3.3-70B-Instruct", map[string]string{"RPM": "28/30 ↻…", "RPD": "14398/14400 ↻…",
			"TPD": "~199K/200K", "CREDIT": "~$5.00 of $5", "EXPIRES": "in ~90d (" + qDate(w.now().AddDate(0, 0, 90)) + ")"}},
		// Nothing reported: the published limits less tier's own calls; the day is Pacific.
		{"gemini", "gemini-3-flash-preview", map[string]string{"RPM": "~3/5", "RPD": "~18/20 ↻…", "TPD": "~988/1000 ↻…", "TPM": "-"}},
		// Nothing reported and nothing published.
		{"deepseek", "deepseek-chat", map[string]string{"RPM": "-", "RPD": "-", "TPM": "-", "CREDIT": "-", "EXPIRES": "-"}},
		// OpenRouter's 429 reported a requests window of unstated period, used up.
		{"openrouter", "openai/gpt-oss-120b:free", map[string]string{"RPM": "~19/20", "RPD": "~49/50", "REQUESTS": "0/14400 ↻…"}},
	}
	for _, tc := range tests {
		row := qRowOf(t, rows, tc.provider, tc.model)
		if row["KEY"] != "default" || row["SEEN"] != "0s ago" {
			t.Errorf("%s: key %q, seen %q", tc.provider, row["KEY"], row["SEEN"])
		}
		qCells(t, row, tc.cells)
	}
	for _, want := range []string{
		"- not reported",
		"~ estimated from calls made through tier (calls made elsewhere are not counted)",
		"~ expiry: the catalog's published validity",
		"tier: warning: openrouter openai/gpt-oss-120b:free: requests exhausted, resets in 13h00m",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "\x1b[") {
		t.Errorf("escape codes in a pipe:\n%q", r.stdout)
	}

	// The same as snapshots.
	snaps := w.snaps(w.must(ExitOK, "quota", "--json"))
	wantWindows := map[string][]string{
		"groq":       {"requests/day 14398/14400 header", "tokens/minute 5994/6000 header"},
		"cerebras":   {"requests/minute 28/30 header", "requests/hour 898/900 estimate", "requests/day 14398/14400 header", "tokens/minute 5994/6000 header", "tokens/hour 999988/1000000 estimate", "tokens/day 999988/1000000 estimate"},
		"sambanova":  {"requests/minute 28/30 header", "requests/day 14398/14400 header", "tokens/day 199988/200000 estimate"},
		"gemini":     {"requests/minute 3/5 estimate", "requests/day 18/20 estimate", "tokens/day 988/1000 estimate"},
		"deepseek":   nil,
		"openrouter": {"requests/minute 19/20 estimate", "requests/day 49/50 estimate", "requests/unknown 0/14400 header"},
	}
	if len(snaps) != len(wantWindows) {
		t.Errorf("%d snapshots, want %d", len(snaps), len(wantWindows))
	}
	for _, s := range snaps {
		if got := qWindows(s); !slices.Equal(got, wantWindows[s.Provider]) {
			t.Errorf("%s windows\n got %q\nwant %q", s.Provider, got, wantWindows[s.Provider])
		}
		if !s.ObservedAt.Equal(w.now()) || s.Key != "default" {
			t.Errorf("%s: observed_at %v key %q, want %v default", s.Provider, s.ObservedAt, s.Key, w.now())
		}
	}
	// Resets are the providers' own, to the second.
	for _, p := range []string{"groq", "cerebras"} {
		for _, win := range qSnapOf(t, snaps, p, "*").Windows {
			want := map[string]time.Duration{"minute": fakeprovider.MinuteReset, "day": fakeprovider.DayReset}[win.Period]
			if win.Source == quota.SourceHeader && (win.ResetAt == nil || !win.ResetAt.Equal(w.now().Add(want))) {
				t.Errorf("%s %s reset %v, want %v", p, win.Key(), win.ResetAt, w.now().Add(want))
			}
		}
	}
	c := qSnapOf(t, snaps, "sambanova", "*").Credit
	if c == nil || c.Source != quota.SourceEstimate || c.Unit != "USD" || *c.Granted != 5 || c.Remaining == nil || *c.Remaining >= 5 ||
		!c.ExpiresAt.Equal(w.now().AddDate(0, 0, 90)) {
		t.Errorf("sambanova credit %+v: want the catalog's $5 less tier's spend, expiring 90 days after first use, as an estimate", c)
	}
	if c := qSnapOf(t, snaps, "groq", "*").Credit; c != nil {
		t.Errorf("groq has no credit anywhere, got %+v", c)
	}

	// How old the data is.
	w.advance(5 * time.Minute)
	for _, row := range qTable(t, w.must(ExitOK, "quota").stdout) {
		if row["SEEN"] != "5m00s ago" {
			t.Errorf("%s: seen %q, want 5m00s ago", row["PROVIDER"], row["SEEN"])
		}
	}
}

// A window whose reset has passed since it was seen is shown refilled and
// marked projected; estimates follow the clock too (rolling windows drop
// old calls).
func TestQuotaProjectionAfterReset(t *testing.T) {
	t.Parallel()
	w := newQWorld(t, "groq", "cerebras")
	w.chat("groq", 2, ExitOK)
	w.chat("cerebras", 2, ExitOK)
	tests := []struct {
		name     string
		advance  time.Duration // from the calls
		windows  map[string][]string
		cells    map[string]map[string]string // provider -> column -> cell
		refilled bool                         // the legend explains "(refilled)"
	}{
		{"as seen", 0, map[string][]string{
			"groq":     {"requests/day 14398/14400 header", "tokens/minute 5994/6000 header"},
			"cerebras": {"requests/minute 28/30 header", "requests/hour 898/900 estimate", "requests/day 14398/14400 header", "tokens/minute 5994/6000 header", "tokens/hour 999988/1000000 estimate", "tokens/day 999988/1000000 estimate"},
		}, map[string]map[string]string{
			"groq": {"RPD": "14398/14400 ↻…", "TPM": "5994/6000 ↻…"},
		}, false},
		{"minute windows reset", fakeprovider.MinuteReset + time.Second, map[string][]string{
			"groq":     {"requests/day 14398/14400 header", "tokens/minute 6000/6000 projected"},
			"cerebras": {"requests/minute 30/30 projected", "requests/hour 898/900 estimate", "requests/day 14398/14400 header", "tokens/minute 6000/6000 projected", "tokens/hour 999988/1000000 estimate", "tokens/day 999988/1000000 estimate"},
		}, map[string]map[string]string{
			"groq":     {"RPD": "14398/14400 ↻…", "TPM": "6000/6000 (refilled)"},
			"cerebras": {"RPM": "30/30 (refilled)", "RPH": "~898/900"},
		}, true},
		{"day windows reset", fakeprovider.DayReset + time.Minute, map[string][]string{
			"groq":     {"requests/day 14400/14400 projected", "tokens/minute 6000/6000 projected"},
			"cerebras": {"requests/minute 30/30 projected", "requests/hour 900/900 estimate", "requests/day 14400/14400 projected", "tokens/minute 6000/6000 projected", "tokens/hour 1000000/1000000 estimate", "tokens/day 999988/1000000 estimate"},
		}, map[string]map[string]string{
			"groq":     {"RPD": "14400/14400 (refilled)", "TPM": "6000/6000 (refilled)"},
			"cerebras": {"RPD": "14400/14400 (refilled)", "RPH": "~900/900", "TPD": "~999K/1M"},
		}, true},
	}
	start := w.now()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w.offset = start.Sub(w.t0) + tc.advance
			for _, s := range w.snaps(w.must(ExitOK, "quota", "--json")) {
				if got := qWindows(s); !slices.Equal(got, tc.windows[s.Provider]) {
					t.Errorf("%s windows\n got %q\nwant %q", s.Provider, got, tc.windows[s.Provider])
				}
				for _, win := range s.Windows {
					if win.Source == quota.SourceProjected && win.ResetAt != nil {
						t.Errorf("%s %s: a refilled window keeps its past reset %v", s.Provider, win.Key(), win.ResetAt)
					}
				}
				if !s.ObservedAt.Equal(start) {
					t.Errorf("%s observed_at %v, want the call's %v", s.Provider, s.ObservedAt, start)
				}
			}
			r := w.must(ExitOK, "quota")
			rows := qTable(t, r.stdout)
			for p, cells := range tc.cells {
				qCells(t, qRowOf(t, rows, p, map[string]string{"groq": "llama-3.1-8b-instant", "cerebras": "gpt-oss-120b"}[p]), cells)
			}
			if got := strings.Contains(r.stderr, "(refilled) reset since last seen"); got != tc.refilled {
				t.Errorf("legend explains (refilled): %v, want %v\n%s", got, tc.refilled, r)
			}
		})
	}
}

// Providers that report nothing show the catalog's published limits with
// what is left estimated from the ledger of tier's own calls in the current
// window, marked as estimates; calls made outside tier are not counted, and
// quota says so.
func TestQuotaEstimatesFromLedger(t *testing.T) {
	t.Parallel()
	w := newQWorld(t, "gemini") // dialect gemini: days end at midnight Pacific
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	l := w.now().In(la)
	midnight := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, la).UTC()

	w.chat("gemini", 2, ExitOK)
	r := w.must(ExitOK, "chat", "-p", "gemini", "--no-stdin", "hello")
	if line := qMasked(r.stderr); !strings.Contains(line, "gemini · gemini-3-flash-preview · RPM ~2/5 · RPD ~17/20 ↻… · TPD ~982/1000 ↻…") {
		t.Errorf("chat's quota line shows the estimates:\n%s", r)
	}
	// A call made outside tier, straight to the provider.
	req, _ := http.NewRequest(http.MethodPost, w.provs["gemini"].srv.URL+"/v1/chat/completions", strings.NewReader(`{"model":"m1","messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer "+w.provs["gemini"].key)
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	if n := len(w.provs["gemini"].chats()); n != 4 {
		t.Fatalf("the provider served %d calls, want 4", n)
	}

	tests := []struct {
		name    string
		at      time.Time
		windows []string
		reset   time.Time // of the day windows
	}{
		// Three calls through tier (1 + 5 tokens each); the fourth is not counted.
		{"now", w.now(), []string{"requests/minute 2/5 estimate", "requests/day 17/20 estimate", "tokens/day 982/1000 estimate"}, midnight},
		// The ledger counts by the minute: a call counts until the minute
		// after the one it was made in has passed (an over-count errs safe).
		{"two minutes later", w.now().Add(2 * time.Minute), []string{"requests/minute 5/5 estimate", "requests/day 17/20 estimate", "tokens/day 982/1000 estimate"}, midnight},
		{"after midnight Pacific", midnight.Add(time.Second), []string{"requests/minute 5/5 estimate", "requests/day 20/20 estimate", "tokens/day 1000/1000 estimate"}, midnight.AddDate(0, 0, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w.offset = tc.at.Sub(w.t0)
			s := qSnapOf(t, w.snaps(w.must(ExitOK, "quota", "--json")), "gemini", "*")
			if got := qWindows(s); !slices.Equal(got, tc.windows) {
				t.Errorf("windows\n got %q\nwant %q", got, tc.windows)
			}
			for _, win := range s.Windows {
				if win.Period == quota.PeriodDay && (win.ResetAt == nil || !win.ResetAt.Equal(tc.reset)) {
					t.Errorf("%s resets %v, want midnight Pacific %v", win.Key(), win.ResetAt, tc.reset)
				}
				if win.Period == quota.PeriodMinute && win.ResetAt != nil {
					t.Errorf("a rolling minute has no known reset, got %v", win.ResetAt)
				}
			}
			r := w.must(ExitOK, "quota")
			if !strings.Contains(r.stderr, "~ estimated from calls made through tier (calls made elsewhere are not counted)") {
				t.Errorf("quota does not say what an estimate leaves out:\n%s", r)
			}
		})
	}
}

// Credit expiry comes from the grant recorded with the key or, failing
// that, from the catalog's published validity counted from the key's
// creation, marked as an estimate. Within 7 days of it the row is
// highlighted, quota warns once per key, and so does chat's quota line.
func TestQuotaCreditExpiry(t *testing.T) {
	t.Parallel()
	w := newQWorld(t, "sambanova") // the catalog: $5, valid 90 days, on the free tier
	w.keyring = keys.NewMemoryBackend()
	delete(w.env, "TIER_NO_KEYRING")
	delete(w.env, "SAMBANOVA_API_KEY") // the keys come from the keyring
	key := w.provs["sambanova"].key

	// "default": $5 granted 25 days ago (a local date), valid 30 days.
	g := w.now().In(time.Local).AddDate(0, 0, -25)
	granted := time.Date(g.Year(), g.Month(), g.Day(), 0, 0, 0, 0, time.Local)
	expires := granted.AddDate(0, 0, 30)
	if r := w.runIn(key, "keys", "set", "sambanova", "--credit", "$5", "--granted", granted.Format("2006-01-02"), "--valid-days", "30"); r.code != 0 {
		t.Fatalf("keys set:\n%s", r)
	}
	// "work": no grant recorded: the catalog's 90 days from its creation, now.
	if r := w.runIn(key, "keys", "set", "sambanova", "--name", "work"); r.code != 0 {
		t.Fatalf("keys set:\n%s", r)
	}
	created := w.now()

	r := w.must(ExitOK, "chat", "-p", "sambanova", "--no-stdin", "hello")
	left := quota.Countdown(expires.Sub(w.now()))
	if !strings.Contains(r.stderr, "tier: warning: credit ~$5.00 expires in "+left+": use it or lose it") {
		t.Errorf("chat's quota line does not warn of the expiry in %s:\n%s", left, r)
	}
	w.chat("sambanova", 1, ExitOK, "-m", "gpt-oss-120b") // a second model of the same key
	w.chat("sambanova", 1, ExitOK, "--key", "work")

	check := func(key string, wantExpiry time.Time, estimated bool, cell string) {
		t.Helper()
		snaps := w.snaps(w.must(ExitOK, "quota", "--key", key, "--json"))
		for _, s := range snaps {
			c := s.Credit
			if c == nil || c.ExpiresAt == nil || !c.ExpiresAt.Equal(wantExpiry) || *c.Granted != 5 || c.Unit != "USD" || c.Source != quota.SourceEstimate {
				t.Errorf("key %s, %s: credit %+v, want $5 expiring %v (remaining estimated from tier's spend)", key, s.Model, c, wantExpiry)
			}
		}
		for _, row := range qTable(t, w.must(ExitOK, "quota", "--key", key).stdout) {
			if got := row["EXPIRES"]; got != cell {
				t.Errorf("key %s, %s: EXPIRES %q, want %q", key, row["MODEL"], got, cell)
			}
		}
	}
	inDays := func(at time.Time) string { return quota.Countdown(at.Sub(w.now())) + " (" + qDate(at) + ")" }
	check("default", expires, false, "in "+inDays(expires))
	check("work", created.AddDate(0, 0, 90), true, "in ~"+inDays(created.AddDate(0, 0, 90)))

	r = w.must(ExitOK, "quota")
	if got := strings.Count(r.stderr, "tier: warning: sambanova: credit"); got != 1 {
		t.Errorf("%d expiry warnings, want one for the default key (two rows):\n%s", got, r)
	}
	if !strings.Contains(r.stderr, "tier: warning: sambanova: credit ~$5.00 expires in "+left+": use it or lose it\n") {
		t.Errorf("no expiry warning:\n%s", r)
	}

	// 85 days on: the default key's grant has expired (no warning: nothing
	// to use); the work key's estimated expiry is 5 days off.
	w.advance(85 * 24 * time.Hour)
	check("default", expires, false, "expired "+quota.Countdown(w.now().Sub(expires))+" ago ("+qDate(expires)+")")
	check("work", created.AddDate(0, 0, 90), true, "in ~5d00h ("+qDate(created.AddDate(0, 0, 90))+")")
	r = w.must(ExitOK, "quota")
	if !strings.Contains(r.stderr, "tier: warning: sambanova (key work): credit ~$5.00 expires in 5d00h: use it or lose it (the expiry is an estimate)") ||
		strings.Contains(r.stderr, "tier: warning: sambanova: credit") {
		t.Errorf("want one warning, for the work key, saying its expiry is an estimate:\n%s", r)
	}
}

// Balance endpoints as the providers answer them (figures made up).
const (
	balanceDeepSeek   = `{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"110.00","granted_balance":"10.00","topped_up_balance":"100.00"},{"currency":"USD","total_balance":"4.20","granted_balance":"1.00","topped_up_balance":"3.20"}]}`
	balanceOpenRouter = `{"data":{"label":"tier-test","limit":null,"usage":0.5,"is_free_tier":true,"free_model_daily_requests":{"limit":50,"remaining":41}}}`
	balanceVercel     = `{"balance":"3.5","total_used":"1.5"}`
)

// stderrLines returns the lines of stderr that start with "tier: NAME:".
func qProviderLines(stderr string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(stderr, "\n") {
		rest, ok := strings.CutPrefix(l, "tier: ")
		if name, msg, ok2 := strings.Cut(rest, ": "); ok && ok2 && !strings.Contains(name, " ") {
			out[name] += msg + "\n"
		}
	}
	return out
}

// --refresh asks what can be learned without spending quota: balance
// endpoints (DeepSeek, OpenRouter, Vercel) and GET /models where it carries
// rate-limit headers, for every provider with a key, concurrently; one
// that fails or does not answer in time does not hide the others.
func TestQuotaRefresh(t *testing.T) {
	t.Parallel()
	w := newQWorld(t, "deepseek", "openrouter", "vercel", "groq", "cerebras", "gemini")
	w.provs["deepseek"].setBalance(0, balanceDeepSeek, 0)
	w.provs["openrouter"].setBalance(0, balanceOpenRouter, 0)
	w.provs["vercel"].setBalance(0, balanceVercel, 0)
	w.provs["groq"].setModelsHeader(http.Header{ // Groq-style headers on GET /models
		"X-Ratelimit-Limit-Requests": {"14400"}, "X-Ratelimit-Remaining-Requests": {"14000"}, "X-Ratelimit-Reset-Requests": {"2h0m0s"},
	})
	w.chat("deepseek", 1, ExitOK)

	r := w.must(ExitOK, "quota", "--refresh")
	want := map[string]string{
		"deepseek":   "balance refreshed\n",
		"openrouter": "balance refreshed\n",
		"vercel":     "balance refreshed\n",
		"groq":       "limits refreshed from GET /models\n",
		"cerebras":   "nothing to refresh: it has no balance endpoint and reports its limits only on chat calls: --probe spends one request to learn them\n",
		"gemini":     "nothing to refresh: it has no balance endpoint and sends no rate-limit headers\n",
	}
	if got := qProviderLines(r.stderr); !mapsEqual(got, want) {
		t.Errorf("one line per provider with a key (the demo and keyless ones say nothing)\n got %q\nwant %q", got, want)
	}
	for name, p := range w.provs {
		wantBalance := map[string]int64{"deepseek": 1, "openrouter": 1, "vercel": 1}[name]
		if got := p.balance.Load(); got != wantBalance {
			t.Errorf("%s: %d balance requests, want %d", name, got, wantBalance)
		}
		if got, want := len(p.chats()), map[string]int{"deepseek": 1}[name]; got != want {
			t.Errorf("%s: --refresh spent %d chat requests", name, got-want)
		}
	}

	snaps := w.snaps(w.must(ExitOK, "quota", "--json"))
	utcMidnight := w.now().Truncate(24 * time.Hour).Add(24 * time.Hour)
	tests := []struct {
		provider, model string
		windows         []string
		credit          string // "remaining unit source", "" for none
	}{
		{"deepseek", "", nil, "4.2 USD balance"},
		{"deepseek", "deepseek-chat", nil, "4.2 USD balance"}, // the key's credit shows on its model rows
		{"openrouter", "", []string{"requests/day 41/50 balance"}, ""},
		{"vercel", "", nil, "3.5 USD balance"},
		{"groq", "", []string{"requests/day 14000/14400 header"}, ""},
	}
	if len(snaps) != len(tests) {
		t.Errorf("%d snapshots, want %d", len(snaps), len(tests))
	}
	for _, tc := range tests {
		s := qSnapOf(t, snaps, tc.provider, tc.model)
		if got := qWindows(s); !slices.Equal(got, tc.windows) {
			t.Errorf("%s %q windows %q, want %q", tc.provider, tc.model, got, tc.windows)
		}
		credit := ""
		if c := s.Credit; c != nil {
			credit = fmt.Sprintf("%v %s %s", *c.Remaining, c.Unit, c.Source)
			if c.Granted != nil || c.ExpiresAt != nil {
				t.Errorf("%s: a balance is shown as reported, not mixed with the catalog's grant: %+v", tc.provider, c)
			}
		}
		if credit != tc.credit {
			t.Errorf("%s %q credit %q, want %q", tc.provider, tc.model, credit, tc.credit)
		}
	}
	if win := qSnapOf(t, snaps, "openrouter", "").Windows; len(win) == 1 && !win[0].ResetAt.Equal(utcMidnight) {
		t.Errorf("OpenRouter's daily free-model counter resets %v, want UTC midnight %v", win[0].ResetAt, utcMidnight)
	}
	rows := qTable(t, w.must(ExitOK, "quota").stdout)
	qCells(t, qRowOf(t, rows, "openrouter", "(account)"), map[string]string{"RPD": "41/50 ↻…", "CREDIT": "-"})
	qCells(t, qRowOf(t, rows, "vercel", "(account)"), map[string]string{"CREDIT": "$3.50"})

	// One provider failing, one not answering in time: the others still refresh.
	w.provs["vercel"].setBalance(http.StatusInternalServerError, `{"error":{"message":"upstream exploded"}}`, 0)
	w.provs["deepseek"].setBalance(0, balanceDeepSeek, 10*time.Second)
	w.provs["openrouter"].setBalance(0, strings.Replace(balanceOpenRouter, `"remaining":41`, `"remaining":7`, 1), 0)
	start := time.Now()
	r = w.must(ExitNetwork, "quota", "--refresh", "--timeout", "300ms", "deepseek", "openrouter", "vercel")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v: providers are refreshed concurrently, each within --timeout", d)
	}
	got := qProviderLines(r.stderr)
	if got["vercel"] != "refresh failed: balance: server error: upstream exploded\n" || got["openrouter"] != "balance refreshed\n" ||
		got["deepseek"] != "refresh failed: no answer within 300ms (--timeout)\n" {
		t.Errorf("stderr:\n%s", r)
	}
	rows = qTable(t, r.stdout)
	qCells(t, qRowOf(t, rows, "openrouter", "(account)"), map[string]string{"RPD": "7/50 ↻…"})
	qCells(t, qRowOf(t, rows, "deepseek", "(account)"), map[string]string{"CREDIT": "$4.20 (granted $1.00, topped up $3.20)"}) // as last seen
	qCells(t, qRowOf(t, rows, "vercel", "(account)"), map[string]string{"CREDIT": "$3.50"})

	// A provider named without a key fails; --timeout must be positive.
	delete(w.env, "GROQ_API_KEY")
	if r := w.must(ExitNetwork, "quota", "--refresh", "groq"); !strings.Contains(r.stderr, "tier: groq: refresh failed: ") {
		t.Errorf("no key:\n%s", r)
	}
	w.must(ExitUsage, "quota", "--refresh", "--timeout", "0s")
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// --probe spends one minimal request (one output token) where limits come
// only with chat replies, says so, and spends nothing where --refresh
// already learned them.
func TestQuotaProbe(t *testing.T) {
	t.Parallel()
	w := newQWorld(t, "groq", "deepseek")
	// Cerebras answers the first request, then 429s.
	cerebras := qspecs["cerebras"]
	cerebras.steps = []fakeprovider.Step{{}, {Status: http.StatusTooManyRequests, Body: fakeprovider.BodyCerebrasRPM,
		Header: http.Header{"X-Ratelimit-Remaining-Requests-Minute": {"0"}}}}
	w.add(cerebras)
	w.writeConfig()
	w.provs["groq"].setModelsHeader(http.Header{"X-Ratelimit-Limit-Tokens": {"6000"}, "X-Ratelimit-Remaining-Tokens": {"6000"}, "X-Ratelimit-Reset-Tokens": {"1s"}})
	w.provs["deepseek"].setBalance(0, balanceDeepSeek, 0)

	r := w.must(ExitOK, "quota", "--probe", "cerebras", "groq", "deepseek")
	want := map[string]string{
		"cerebras": "probed gpt-oss-120b (spent 1 request, 1 output token)\n",
		"groq":     "limits refreshed from GET /models\n",
		"deepseek": "balance refreshed\n",
	}
	if got := qProviderLines(r.stderr); !mapsEqual(got, want) {
		t.Errorf("stderr\n got %q\nwant %q", got, want)
	}
	chats := w.provs["cerebras"].chats()
	if len(chats) != 1 || chats[0].MaxTokens != 1 || chats[0].Model != "gpt-oss-120b" {
		t.Fatalf("cerebras got %+v, want one request for one token", chats)
	}
	if n := len(w.provs["groq"].chats()) + len(w.provs["deepseek"].chats()); n != 0 {
		t.Errorf("%d chat requests to providers that told without one", n)
	}
	rows := qTable(t, r.stdout)
	// The probe is a call like any other: reported and in the ledger.
	qCells(t, qRowOf(t, rows, "cerebras", "gpt-oss-120b"), map[string]string{"RPM": "29/30 ↻…", "RPH": "~899/900", "SEEN": "0s ago"})

	// -m picks the model to probe; a probe answered 429 did its job.
	r = w.must(ExitOK, "quota", "--probe", "cerebras", "-m", "llama3.1-8b")
	if got := qProviderLines(r.stderr)["cerebras"]; got != "probed llama3.1-8b: rate limited: Requests per minute limit exceeded - too many requests sent.\n" {
		t.Errorf("stderr:\n%s", r)
	}
	if chats := w.provs["cerebras"].chats(); len(chats) != 2 || chats[1].Model != "llama3.1-8b" {
		t.Errorf("want a second probe of llama3.1-8b, got %d requests", len(chats))
	}
	qCells(t, qRowOf(t, qTable(t, r.stdout), "cerebras", "llama3.1-8b"), map[string]string{"RPM": "0/30 ↻…"})
}

// --require gates CI jobs: exit 5 and one line per unmet requirement when
// a selected provider has less left, 0 otherwise; an unknown window is a
// usage error; a window not reported fails unless --allow-unknown.
func TestQuotaRequire(t *testing.T) {
	t.Parallel()
	w := newQWorld(t, "groq", "deepseek", "gemini")
	w.provs["deepseek"].setBalance(0, balanceDeepSeek, 0)

	// Nothing used yet.
	if r := w.must(ExitExhausted, "quota", "--require", "rpd=1"); !strings.Contains(r.stderr, "tier: requirement not met: no provider has been used yet: name the providers to check") {
		t.Errorf("empty store:\n%s", r)
	}
	// --allow-unknown does not make a gate pass knowing nothing.
	w.must(ExitExhausted, "quota", "--require", "rpd=1", "--allow-unknown")

	w.chat("groq", 2, ExitOK)   // RPD 14398/14400 ↻13h, TPM 5994/6000
	w.chat("gemini", 2, ExitOK) // estimates: RPD ~18/20
	w.must(ExitOK, "quota", "--refresh", "deepseek")
	tests := []struct {
		args []string
		code int
		errs []string // the stderr lines, in order
	}{
		{[]string{"groq", "--require", "rpd=20"}, ExitOK, nil},
		{[]string{"groq", "--require", "RPD=20,tpm=5994"}, ExitOK, nil},
		{[]string{"groq", "--require", "rpd=20000"}, ExitExhausted,
			[]string{"tier: requirement not met: groq: llama-3.1-8b-instant: RPD 14398 left, need 20000, resets in 13h00m"}},
		{[]string{"groq", "--require", "rpd=20000,tpm=6000,credit=1"}, ExitExhausted, []string{
			"tier: requirement not met: groq: llama-3.1-8b-instant: RPD 14398 left, need 20000, resets in 13h00m",
			"tier: requirement not met: groq: llama-3.1-8b-instant: TPM 5994 left, need 6000, resets in 42s",
			"tier: requirement not met: groq: credit not reported (tier quota --refresh may learn it; --allow-unknown ignores it)"}},
		{[]string{"groq", "--require", "rpm=1"}, ExitExhausted,
			[]string{"tier: requirement not met: groq: RPM not reported (the provider sends no such figure and the catalog publishes none; --allow-unknown ignores it)"}},
		{[]string{"groq", "--require", "rpm=1,credit=5", "--allow-unknown"}, ExitOK, nil},
		{[]string{"deepseek", "--require", "credit=0.50"}, ExitOK, nil},
		{[]string{"deepseek", "--require", "credit=$5"}, ExitExhausted, []string{"tier: requirement not met: deepseek: credit 4.2 USD left, need 5"}},
		{[]string{"gemini", "--require", "rpd=19"}, ExitExhausted, []string{"tier: requirement not met: gemini: gemini-3-flash-preview: RPD 18 left (estimate), need 19, resets in "}},
		{[]string{"gemini", "--require", "rpd=18"}, ExitOK, nil},
		// Every selected provider must meet it.
		{[]string{"groq", "deepseek", "--require", "rpd=20"}, ExitExhausted, []string{"tier: requirement not met: deepseek: RPD not reported"}},
		// Without names: every provider seen.
		{[]string{"--require", "rpd=19"}, ExitExhausted, []string{"deepseek: RPD not reported", "gemini: gemini-3-flash-preview: RPD 18 left"}},
		// A never-used provider's published limits are no answer for a
		// window it reports itself.
		{[]string{"cerebras", "--require", "rpd=14400"}, ExitExhausted,
			[]string{"tier: requirement not met: cerebras: RPD not known: tier has had no answer from cerebras yet (with its key, 'tier quota cerebras --refresh --probe' asks it)"}},
		{[]string{"groq", "--require", "rpx=1"}, ExitUsage, []string{"tier: --require rpx: unknown window"}},
		{[]string{"groq", "--require", "rpd"}, ExitUsage, []string{"tier: --require \"rpd\": write NAME=AMOUNT"}},
		{[]string{"groq", "--require", "rpd=-1"}, ExitUsage, []string{"non-negative"}},
		// An empty requirement is a mistake, not a pass.
		{[]string{"groq", "--require", ""}, ExitUsage, []string{"tier: --require is empty"}},
		{[]string{"groq", "--require", " , "}, ExitUsage, []string{"tier: --require is empty"}},
		// credit= takes an amount as --credit does.
		{[]string{"deepseek", "--require", "credit=5USD"}, ExitExhausted, []string{"tier: requirement not met: deepseek: credit 4.2 USD left, need 5 USD"}},
		{[]string{"deepseek", "--require", "credit=4usd"}, ExitOK, nil},
		{[]string{"deepseek", "--require", "credit=4 dollars"}, ExitOK, nil},
		{[]string{"deepseek", "--require", "credit=€1"}, ExitExhausted, []string{"tier: requirement not met: deepseek: credit is in USD, need 1 EUR"}},
		{[]string{"deepseek", "--require", "credit=5USD$"}, ExitUsage, []string{"--require credit: \"5USD$\" is not an amount"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := w.run(append([]string{"quota"}, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r)
			}
			var lines []string
			for _, l := range strings.Split(r.stderr, "\n") {
				if strings.HasPrefix(l, "tier: requirement") || strings.HasPrefix(l, "tier: --require") {
					lines = append(lines, l)
				}
			}
			if len(lines) != len(tc.errs) && tc.code != ExitUsage {
				t.Fatalf("%d requirement lines, want %d:\n%s", len(lines), len(tc.errs), r)
			}
			for i, want := range tc.errs {
				if tc.code == ExitUsage {
					if !strings.Contains(r.stderr, want) {
						t.Errorf("stderr lacks %q:\n%s", want, r)
					}
					continue
				}
				if !strings.Contains(lines[i], want) {
					t.Errorf("line %d: %q does not contain %q", i, lines[i], want)
				}
			}
			if tc.code == ExitUsage && r.stdout != "" {
				t.Errorf("a usage error prints no table:\n%s", r)
			}
		})
	}
	// The table or JSON still goes to stdout.
	r := w.must(ExitExhausted, "quota", "groq", "--json", "--require", "rpd=20000")
	if s := w.snaps(r); len(s) != 1 || s[0].Provider != "groq" {
		t.Errorf("--json with an unmet --require:\n%s", r)
	}
}

// A plain 'tier quota' reads local state only: no provider gets a request
// (nor does the keyring), and it works with every provider gone.
func TestQuotaNoNetwork(t *testing.T) {
	t.Parallel()
	w := newQWorld(t, "groq", "cerebras", "sambanova", "openrouter", "gemini", "deepseek", "vercel")
	w.provs["deepseek"].setBalance(0, balanceDeepSeek, 0)
	w.provs["vercel"].setBalance(0, balanceVercel, 0)
	w.provs["openrouter"].setBalance(0, balanceOpenRouter, 0)
	for _, p := range []string{"groq", "cerebras", "sambanova", "openrouter", "gemini", "deepseek", "vercel"} {
		w.chat(p, 1, ExitOK)
	}
	w.must(ExitOK, "quota", "--refresh")
	w.keyring = noKeyring{t}

	before := w.hits()
	runs := [][]string{
		{"quota"}, {"quota", "--json"}, {"quota", "groq", "deepseek", "demo"}, {"quota", "--key", "default", "-m", "deepseek-chat"},
		{"quota", "--require", "rpd=1", "--allow-unknown"}, {"quota", "openrouter", "--require", "credit=100"},
	}
	outputs := map[string]string{}
	for _, args := range runs {
		r := w.run(args...)
		if r.code != ExitOK && r.code != ExitExhausted {
			t.Errorf("%s", r)
		}
		outputs[strings.Join(args, " ")] = r.stdout
	}
	if got := w.hits() - before; got != 0 {
		t.Fatalf("a plain tier quota sent %d requests", got)
	}
	for _, p := range w.provs {
		p.srv.Close()
	}
	for _, args := range runs {
		if r := w.run(args...); r.stdout != outputs[strings.Join(args, " ")] {
			t.Errorf("with every provider gone, %s printed something else:\n%s", strings.Join(args, " "), r)
		}
	}
}

// noKeyring fails the test on any use of the keyring.
type noKeyring struct{ t *testing.T }

func (k noKeyring) Get(service, user string) (string, error) {
	k.t.Errorf("tier quota read the keyring (%s)", service)
	return "", keys.ErrNotFound
}
func (k noKeyring) Set(service, user, secret string) error {
	k.t.Errorf("tier quota wrote the keyring")
	return nil
}
func (k noKeyring) Delete(service, user string) error {
	k.t.Errorf("tier quota wrote the keyring")
	return nil
}
func (k noKeyring) DeleteAll(service string) error {
	k.t.Errorf("tier quota wrote the keyring")
	return nil
}

// What quota says with nothing stored, an unknown provider, filters that
// match nothing, and a provider named but never used.
func TestQuotaMessagesAndFilters(t *testing.T) {
	t.Parallel()
	w := newQWorld(t, "groq", "cerebras")
	w.keyring = keys.NewMemoryBackend()
	delete(w.env, "TIER_NO_KEYRING")

	r := w.must(ExitOK, "quota")
	if r.stdout != "" || r.stderr != "tier: nothing seen yet: run 'tier chat' (try 'tier chat -p demo hello'), or 'tier quota --refresh', or name a provider (tier quota groq)\n" {
		t.Errorf("empty store:\n%s", r)
	}
	if r := w.must(ExitOK, "quota", "--json"); r.stdout != "[]\n" || r.stderr != "" {
		t.Errorf("empty store, --json:\n%s", r)
	}
	if r := w.must(ExitUsage, "quota", "grok"); r.stderr != "tier: unknown provider \"grok\" (did you mean \"groq\"?)\n" || r.stdout != "" {
		t.Errorf("unknown provider:\n%s", r)
	}

	// A provider named but never used: the catalog's limits as of now.
	r = w.must(ExitOK, "quota", "cerebras")
	row := qRowOf(t, qTable(t, r.stdout), "cerebras", "gpt-oss-120b")
	qCells(t, row, map[string]string{"SEEN": "never", "RPM": "~30/30", "TPD": "~1M/1M"})
	s := qSnapOf(t, w.snaps(w.must(ExitOK, "quota", "cerebras", "--json")), "cerebras", "gpt-oss-120b")
	if !s.ObservedAt.Equal(w.now()) || len(s.Windows) != 6 {
		t.Errorf("never used: %+v, want observed_at now (%v) and the catalog's six windows", s, w.now())
	}
	for _, win := range s.Windows {
		if win.Source != quota.SourceEstimate {
			t.Errorf("never used: %s from %q, want estimate", win.Key(), win.Source)
		}
	}
	if help := w.must(ExitOK, "quota", "--help").stdout; !strings.Contains(help, "for a provider named but never used it is the\ntime of the run") {
		t.Errorf("--help does not say what observed_at is for a provider never used:\n%s", help)
	}

	// Two keys, two models.
	if r := w.runIn(w.provs["groq"].key, "keys", "set", "groq", "--name", "work", "--no-verify"); r.code != 0 {
		t.Fatalf("keys set:\n%s", r)
	}
	w.chat("groq", 1, ExitOK)
	w.chat("groq", 1, ExitOK, "--key", "work", "-m", "llama-3.3-70b-versatile")
	w.chat("cerebras", 1, ExitOK)
	tests := []struct {
		args []string
		rows []string // provider key model
		msg  string
	}{
		{[]string{"quota"}, []string{"cerebras default gpt-oss-120b", "groq default llama-3.1-8b-instant", "groq work llama-3.3-70b-versatile"}, ""},
		{[]string{"quota", "--key", "work"}, []string{"groq work llama-3.3-70b-versatile"}, ""},
		{[]string{"quota", "-m", "llama-3.1-8b-instant"}, []string{"groq default llama-3.1-8b-instant"}, ""},
		{[]string{"quota", "groq", "--key", "default"}, []string{"groq default llama-3.1-8b-instant"}, ""},
		{[]string{"quota", "--key", "nosuch"}, nil, "tier: nothing seen yet for key \"nosuch\": 'tier quota' lists everything seen\n"},
		{[]string{"quota", "--key", "work", "-m", "m9"}, nil, "tier: nothing seen yet for key \"work\" and model \"m9\": 'tier quota' lists everything seen\n"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := w.must(ExitOK, tc.args...)
			var got []string
			for _, row := range qTable(t, r.stdout) {
				got = append(got, row["PROVIDER"]+" "+row["KEY"]+" "+row["MODEL"])
			}
			if !slices.Equal(got, tc.rows) {
				t.Errorf("rows %q, want %q", got, tc.rows)
			}
			if tc.msg != "" && r.stderr != tc.msg {
				t.Errorf("stderr %q, want %q", r.stderr, tc.msg)
			}
		})
	}
	// A key that does not exist for a named provider is said to be so, not
	// shown with the catalog's limits as if it had been used.
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"quota", "groq", "--key", "nosuch"}, ExitAuth, "tier: groq has no key named \"nosuch\": 'tier keys list' shows the keys there are, 'tier keys set groq --name nosuch' adds one\n"},
		{[]string{"quota", "cerebras", "--key", "work"}, ExitAuth, "tier: cerebras has no key named \"work\""},
		{[]string{"quota", "groq", "cerebras", "--key", "work"}, ExitAuth, "tier: cerebras has no key named \"work\""},
		{[]string{"quota", "groq", "--key", "work"}, ExitOK, ""},
		{[]string{"quota", "cerebras", "--key", "default"}, ExitOK, ""}, // its key is in the environment
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := w.must(tc.code, tc.args...)
			if tc.code != ExitOK && (r.stdout != "" || !strings.HasPrefix(r.stderr, tc.msg)) {
				t.Errorf("want no table and %q:\n%s", tc.msg, r)
			}
		})
	}
	if r := w.must(ExitAuth, "quota", "groq", "--key", "nosuch", "--json"); !strings.Contains(r.stdout, `"exit_code":3`) {
		t.Errorf("--json: want the JSON error object:\n%s", r)
	}

	// The work key's model has the catalog's TPD for it, estimated.
	qCells(t, qRowOf(t, qTable(t, w.must(ExitOK, "quota", "--key", "work").stdout), "groq", "llama-3.3-70b-versatile"),
		map[string]string{"RPD": "14398/14400 ↻…", "TPD": "~99.9K/100K"}) // the fake counts both keys' calls
}

// Colour only on a terminal (or when forced), never with NO_COLOR; an
// expiring credit highlights its row.
func TestQuotaColour(t *testing.T) {
	t.Parallel()
	w := newQWorld(t, "sambanova") // the catalog's grant expires 90 days after first use
	w.chat("sambanova", 1, ExitOK)
	w.advance(86 * 24 * time.Hour)
	warning := ui.NewTheme(true).Warning.Render("sambanova")
	tests := []struct {
		env    map[string]string
		colour bool
	}{
		{nil, false}, // a pipe
		{map[string]string{"CLICOLOR_FORCE": "1"}, true},
		{map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "1"}, false},
		{map[string]string{"CLICOLOR_FORCE": "1", "CLICOLOR": "0"}, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.env), func(t *testing.T) {
			maps := maps2(w.env, tc.env)
			prev := w.env
			w.env = maps
			defer func() { w.env = prev }()
			r := w.must(ExitOK, "quota")
			if got := strings.Contains(r.stdout, "\x1b["); got != tc.colour {
				t.Errorf("colour %v, want %v:\n%q", got, tc.colour, r.stdout)
			}
			if tc.colour && !strings.Contains(r.stdout, warning) {
				t.Errorf("the row of a credit expiring in 4 days is not highlighted:\n%q", r.stdout)
			}
			if strings.Contains(r.stderr, "\x1b[") {
				t.Errorf("escape codes on stderr:\n%q", r.stderr)
			}
			if !strings.Contains(r.stderr, "tier: warning: sambanova: credit") {
				t.Errorf("no expiry warning:\n%s", r)
			}
		})
	}
}

func maps2(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// On a real terminal quota is a coloured table; NO_COLOR and TERM=dumb
// turn the colour off.
func TestQuotaColourOnATerminal(t *testing.T) {
	t.Parallel()
	w := newQWorld(t, "groq")
	w.chat("groq", 1, ExitOK)
	tests := []struct {
		env    map[string]string
		colour bool
	}{
		{map[string]string{"TERM": "xterm-256color"}, true},
		{map[string]string{"TERM": "xterm-256color", "NO_COLOR": "1"}, false},
		{map[string]string{"TERM": "dumb"}, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.env), func(t *testing.T) {
			master, tty := ptytest.Open(t)
			got := make(chan string)
			go func() {
				b, _ := io.ReadAll(master) // until the terminal closes (EIO)
				got <- string(b)
			}()
			var errb bytes.Buffer
			env := maps2(w.env, tc.env)
			f := w.factory(strings.NewReader(""), tty, &errb)
			f.Getenv = func(k string) string { return env[k] }
			code := Run(context.Background(), f, []string{"quota"})
			tty.Close()
			var out string
			select {
			case out = <-got:
			case <-time.After(10 * time.Second):
				t.Fatal("no output from the terminal")
			}
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if !strings.Contains(out, "groq") || !strings.Contains(out, "14399/14400") {
				t.Errorf("no table on the terminal:\n%q", out)
			}
			if has := strings.Contains(out, "\x1b["); has != tc.colour {
				t.Errorf("colour %v, want %v:\n%q", has, tc.colour, out)
			}
		})
	}
}

// A --require gate must not pass when tier knows nothing: on a fresh state
// (a CI runner), --allow-unknown excuses only what the provider never
// reports; a window or credit it reports but tier has not seen, or a refresh
// that failed, fails the gate (exit 3 when the key is missing or refused).
func TestQuotaRequireOnAFreshState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		unset   string // a key variable removed from the environment
		balance int    // the balance endpoint's status (0: 200)
		args    []string
		code    int
		errs    []string // requirement lines, in order
	}{
		{name: "groq never seen", args: []string{"groq", "--require", "rpd=20", "--allow-unknown"}, code: ExitExhausted,
			errs: []string{"tier: requirement not met: groq: RPD not known: tier has had no answer from groq yet (with its key, 'tier quota groq --refresh --probe' asks it)"}},
		{name: "groq refreshed without a key", unset: "GROQ_API_KEY", args: []string{"groq", "--refresh", "--require", "rpd=20", "--allow-unknown"}, code: ExitAuth,
			errs: []string{"tier: requirement not met: groq: RPD not known", "tier: requirement not met: groq: cannot be checked: its refresh failed (no key for groq: set GROQ_API_KEY"}},
		{name: "groq refreshed, but it tells only on chat calls", args: []string{"groq", "--refresh", "--require", "rpd=20"}, code: ExitExhausted,
			errs: []string{"tier: requirement not met: groq: RPD not known"}},
		{name: "groq probed", args: []string{"groq", "--refresh", "--probe", "--require", "rpd=20"}, code: ExitOK},
		{name: "groq probed, a window it never reports", args: []string{"groq", "--probe", "--require", "rpd=20,rpm=1", "--allow-unknown"}, code: ExitOK},
		{name: "deepseek credit never asked", args: []string{"deepseek", "--require", "credit=1", "--allow-unknown"}, code: ExitExhausted,
			errs: []string{"tier: requirement not met: deepseek: credit not known: tier has had no answer from deepseek yet"}},
		{name: "deepseek credit refreshed", args: []string{"deepseek", "--refresh", "--require", "credit=1"}, code: ExitOK},
		{name: "deepseek balance refused the key", balance: http.StatusUnauthorized, args: []string{"deepseek", "--refresh", "--require", "credit=1", "--allow-unknown"}, code: ExitAuth,
			errs: []string{"credit not known", "tier: requirement not met: deepseek: cannot be checked: its refresh failed (balance: "}},
		{name: "deepseek balance down", balance: http.StatusServiceUnavailable, args: []string{"deepseek", "--refresh", "--require", "credit=1", "--allow-unknown"}, code: ExitExhausted,
			errs: []string{"credit not known", "tier: requirement not met: deepseek: cannot be checked: its refresh failed (balance: "}},
		// Where the provider reports nothing, the catalog's limits are all
		// there is to know, and say so.
		{name: "gemini estimates", args: []string{"gemini", "--require", "rpd=20"}, code: ExitOK},
		{name: "no provider named", args: []string{"--require", "rpd=1", "--allow-unknown"}, code: ExitExhausted,
			errs: []string{"tier: requirement not met: no provider has been used yet"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newQWorld(t, "groq", "deepseek", "gemini")
			w.provs["deepseek"].setBalance(tc.balance, balanceDeepSeek, 0)
			if tc.balance == http.StatusUnauthorized {
				w.provs["deepseek"].key = "test-key-deepseek-other"
			}
			if tc.unset != "" {
				delete(w.env, tc.unset)
			}
			r := w.run(append([]string{"quota"}, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r)
			}
			var lines []string
			for _, l := range strings.Split(r.stderr, "\n") {
				if strings.HasPrefix(l, "tier: requirement") {
					lines = append(lines, l)
				}
			}
			if len(lines) != len(tc.errs) {
				t.Fatalf("%d requirement lines, want %d:\n%s", len(lines), len(tc.errs), r)
			}
			for i, want := range tc.errs {
				if !strings.Contains(lines[i], want) {
					t.Errorf("line %d: %q does not contain %q", i, lines[i], want)
				}
			}
		})
	}
}

// --require credit=AMOUNT reads amounts exactly as 'tier keys set --credit'
// does: what one accepts, the other accepts, with the same unit.
func TestRequireCreditTakesWhatCreditTakes(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"5USD", "5 usd", "$5", "€2.50", "£3", "1000000tokens", "7 token", "2dollars", "110CNY", "5", "0.5",
		"5USD$", "$5USD", "five", "", "-1", "1e3", "5 US dollars"} {
		amount, unit, cerr := keys.ParseCredit(in, "")
		reqs, rerr := overview.ParseRequirements("credit=" + in)
		if (cerr == nil) != (rerr == nil) {
			t.Errorf("%q: --credit says %v, --require credit= says %v", in, cerr, rerr)
			continue
		}
		if cerr != nil {
			continue
		}
		if len(reqs) != 1 || reqs[0].Min != amount || reqs[0].Unit != unit {
			t.Errorf("%q: --require credit= read %+v, --credit reads %v %q", in, reqs, amount, unit)
		}
	}
}

// A window the newest reply did not repeat keeps the figure and the time
// of the reply that had it: --json gives it its own observed_at, the table
// and the quota line say how old it is, never passing it off as fresh.
func TestQuotaWindowKeepsItsOwnTime(t *testing.T) {
	t.Parallel()
	w := newQWorld(t)
	spec := qspecs["groq"]
	noRequests := http.Header{"X-Ratelimit-Limit-Requests": nil, "X-Ratelimit-Remaining-Requests": nil, "X-Ratelimit-Reset-Requests": nil}
	spec.steps = []fakeprovider.Step{{}, {Header: noRequests}}
	w.add(spec)
	w.writeConfig()
	first := w.now()
	w.chat("groq", 1, ExitOK) // RPD and TPM
	w.advance(5 * time.Minute)
	r := w.must(ExitOK, "chat", "-p", "groq", "--no-stdin", "--retries", "0", "hello") // TPM only
	if line := qMasked(strings.TrimSpace(r.stderr)); !strings.Contains(line, "RPD 14399/14400 ↻… (seen 5m00s ago) · TPM ") {
		t.Errorf("quota line %q: want the RPD of the first reply, 5 minutes old", line)
	}
	s := qSnapOf(t, w.snaps(w.must(ExitOK, "quota", "--json")), "groq", "*")
	if !s.ObservedAt.Equal(w.now()) {
		t.Errorf("observed_at %v, want the second reply's %v", s.ObservedAt, w.now())
	}
	for _, win := range s.Windows {
		switch win.Key() {
		case "requests/day":
			if win.ObservedAt == nil || !win.ObservedAt.Equal(first) || qNum(win.Remaining) != "14399" {
				t.Errorf("RPD %+v: want 14399 left, observed_at %v (the first reply)", win, first)
			}
		case "tokens/minute":
			if win.ObservedAt != nil {
				t.Errorf("TPM has observed_at %v: it came with the snapshot's reply", *win.ObservedAt)
			}
		}
	}
	qCells(t, qRowOf(t, qTable(t, w.must(ExitOK, "quota").stdout), "groq", "llama-3.1-8b-instant"),
		map[string]string{"RPD": "14399/14400 ↻… (seen 5m00s ago)", "SEEN": "0s ago"})
}

// A base_url pointed at a proxy takes the built-in balance endpoint with it
// (same path, on the proxy's host and prefix), so --refresh works without
// balance.url being overridden too; a balance URL on another host is still
// refused before the key is sent.
func TestQuotaRefreshThroughAProxy(t *testing.T) {
	t.Parallel()
	w := newQWorld(t)
	fake := fakeprovider.New(fakeprovider.None)
	balances := map[string]string{
		"/deepseek/user/balance": balanceDeepSeek,
		"/openrouter/api/v1/key": balanceOpenRouter,
		"/vercel/v1/credits":     balanceVercel,
	}
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if body, ok := balances[r.URL.Path]; ok {
			mu.Lock()
			asked = append(asked, r.URL.Path)
			mu.Unlock()
			if r.Header.Get("Authorization") != "Bearer test-key-proxied-0001" {
				http.Error(rw, `{"error":{"message":"Invalid API key"}}`, http.StatusUnauthorized)
				return
			}
			rw.Header().Set("Content-Type", "application/json")
			io.WriteString(rw, body)
			return
		}
		fake.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	for _, v := range []string{"DEEPSEEK_API_KEY", "OPENROUTER_API_KEY", "AI_GATEWAY_API_KEY"} {
		w.env[v] = "test-key-proxied-0001"
	}
	fmt.Fprintf(&w.yaml, "  deepseek:\n    base_url: %q\n  openrouter:\n    base_url: %q\n  vercel:\n    base_url: %q\n",
		srv.URL+"/deepseek", srv.URL+"/openrouter/api/v1", srv.URL+"/vercel/v1")
	w.writeConfig()

	r := w.must(ExitOK, "quota", "--refresh", "deepseek", "openrouter", "vercel")
	want := map[string]string{"deepseek": "balance refreshed\n", "openrouter": "balance refreshed\n", "vercel": "balance refreshed\n"}
	if got := qProviderLines(r.stderr); !mapsEqual(got, want) {
		t.Errorf("stderr\n got %q\nwant %q\n%s", got, want, r)
	}
	slices.Sort(asked)
	if want := []string{"/deepseek/user/balance", "/openrouter/api/v1/key", "/vercel/v1/credits"}; !slices.Equal(asked, want) {
		t.Errorf("the proxy was asked %q, want %q", asked, want)
	}
	if c := qSnapOf(t, w.snaps(w.must(ExitOK, "quota", "deepseek", "--json")), "deepseek", "").Credit; c == nil || c.Remaining == nil || *c.Remaining != 4.2 {
		t.Errorf("deepseek credit %+v, want the proxied balance, 4.2 USD", c)
	}

	// A balance URL set on another host is refused; nothing is sent.
	fmt.Fprintf(&w.yaml, "    balance: {kind: vercel, url: \"https://elsewhere.example.com/v1/credits\"}\n")
	w.writeConfig()
	r = w.must(ExitNetwork, "quota", "--refresh", "vercel")
	if !strings.Contains(r.stderr, `the balance URL's host "elsewhere.example.com" is not the provider's`) {
		t.Errorf("want the refusal:\n%s", r)
	}
}
