package batch

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/quota"
)

func TestWritePlan(t *testing.T) {
	var b strings.Builder
	targets := []PlanTarget{
		{Target: Target{Name: "a/default/m", Limits: []Limit{{quota.Requests, quota.PeriodMinute, 30}, {quota.Requests, quota.PeriodDay, 1000}}},
			Price: &Price{Input: 1, Output: 2}},
		{Target: Target{Name: "b/default/m", Limits: []Limit{{quota.Requests, quota.PeriodMinute, 30}}}},
	}
	WritePlan(&b, rowsOf(120), targets, 3, time.Minute)
	out := b.String()
	for _, want := range []string{"rows: 120 to send (3 already in the output)", "a/default/m: ~60 rows, ~2m00s", "b/default/m: ~60 rows", "USD", "time: ~2m00s"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
}

// Two keys of a provider that counts per account are one quota in the
// plan, as in the run: its rows split between them, its time at one rate,
// not two.
func TestWritePlanAccountQuota(t *testing.T) {
	perMinute := []Limit{{quota.Requests, quota.PeriodMinute, 30}}
	targets := []PlanTarget{
		{Target: Target{Name: "g/a/m", Quota: "g/*/m", Limits: perMinute}},
		{Target: Target{Name: "g/b/m", Quota: "g/*/m", Limits: perMinute}},
		{Target: Target{Name: "c/default/m", Limits: perMinute}},
	}
	plan := func() string {
		var b strings.Builder
		WritePlan(&b, rowsOf(120), targets, 0, time.Minute)
		return b.String()
	}
	wants := []string{
		"g/a/m: ~30 rows, ~2m00s at its published limits; one quota with g/b/m",
		"g/b/m: ~30 rows, ~2m00s at its published limits; one quota with g/a/m",
		"c/default/m: ~60 rows, ~2m00s",
		"time: ~2m00s at the published limits",
	}
	for _, want := range wants {
		if out := plan(); !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	// A key nothing is known of alone takes the account's limits.
	targets[1].Limits = nil
	for _, want := range wants {
		if out := plan(); !strings.Contains(out, want) {
			t.Errorf("with nothing known of g/b/m, plan lacks %q:\n%s", want, out)
		}
	}
}

func TestFormatProgress(t *testing.T) {
	p := Progress{Total: 10, Done: 5, Failed: 1, InFlight: 2, RateLimited: 3, Elapsed: 5 * time.Second, Binding: "a/k/m: requests per minute", ETA: 5 * time.Second}
	plain := FormatProgress(p, false)
	if plain != "5/10 rows (1 failed) · 1.0/s · 2 in flight · 3×429 · held by a/k/m: requests per minute · ETA 5s" {
		t.Errorf("plain: %q", plain)
	}
	if bar := FormatProgress(p, true); !strings.HasPrefix(bar, "[████████████") {
		t.Errorf("bar: %q", bar)
	}
	// A resumed run counts the whole input; the rate is this run's.
	p = Progress{Total: 60, Done: 36, Already: 31, Elapsed: 5 * time.Second}
	if plain := FormatProgress(p, false); plain != "36/60 rows (31 already done) · 1.0/s · 0 in flight · 0×429" {
		t.Errorf("resumed: %q", plain)
	}
}

// On a terminal the bar is fitted to its width: a line that wraps leaves
// a row behind at every redraw ("\r" goes back to the last one only).
func TestFitProgress(t *testing.T) {
	p := Progress{Total: 300, Done: 106, InFlight: 2, RateLimited: 1, Elapsed: 5 * time.Second,
		Binding: "groq/default/llama-3.1-8b-instant: requests per minute", ETA: 9 * time.Second}
	tests := []struct {
		width int
		want  []string // pieces the line keeps
		not   []string // pieces it leaves out
	}{
		{0, []string{"[" + strings.Repeat("█", 8), "106/300 rows", "held by groq", "2 in flight", "ETA 9s"}, nil},
		{200, []string{"106/300 rows", "held by groq", "2 in flight", "ETA 9s"}, nil},
		{135, []string{"[█", "held by groq", "ETA 9s"}, []string{"█·······" + strings.Repeat("·", 8)}}, // a narrower bar
		{120, []string{"[█", "2 in flight", "ETA 9s"}, []string{"held by"}},
		{80, []string{"[█", "106/300 rows", "21.2/s", "1×429", "ETA 9s"}, []string{"held by"}},
		{60, []string{"106/300 rows", "21.2/s", "1×429", "ETA 9s"}, []string{"held by", "in flight"}},
		{40, []string{"106/300 rows", "1×429", "ETA 9s"}, []string{"["}},
		{20, []string{"106/300 rows", "…"}, nil},
	}
	for _, tt := range tests {
		got := FitProgress(p, true, tt.width)
		if n := utf8.RuneCountInString(got); tt.width > 0 && n > tt.width-1 {
			t.Errorf("width %d: %d columns, want at most %d: %q", tt.width, n, tt.width-1, got)
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("width %d: %q lacks %q", tt.width, got, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(got, w) {
				t.Errorf("width %d: %q has %q", tt.width, got, w)
			}
		}
	}
	// A pipe's lines are never cut.
	if got := FitProgress(p, false, 40); !strings.Contains(got, "held by") {
		t.Errorf("plain line cut: %q", got)
	}
}

func TestReserveNames(t *testing.T) {
	if _, err := ParseReserve([]string{"rpd=20", "tpm=1000"}); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"rpd", "xpd=1", "rpd=-1", "rpw=3"} {
		if _, err := ParseReserve([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// --dry-run's time is at the limits the provider last reported (the
// store's snapshots) where it has, and says so; at the catalog's before.
func TestPlanAtReportedLimits(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.Cerebras)
	fp.Limits = fakeprovider.Limits{RPM: 600, RPD: 1_000_000, TPM: 10_000_000}
	e, cat := world(t, fake{"fa", fp, "    dialect: cerebras\n" + limitsYAML(10)})
	targets := []Target{target(t, cat, "fa", "default")}
	plan := func() string {
		t.Helper()
		pts, err := Known(e.Overview(), Priced(targets))
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		WritePlan(&b, rowsOf(120), pts, 0, time.Minute)
		return b.String()
	}
	if out := plan(); !strings.Contains(out, "~120 rows, ~12m00s at its published limits") || !strings.Contains(out, "time: ~12m00s at the published limits") {
		t.Errorf("before any call, the plan is not at the catalog's 10 a minute:\n%s", out)
	}
	if _, err := Run(context.Background(), Config{Caller: e, Sink: &memSink{}, Targets: targets}, rowsOf(1)); err != nil {
		t.Fatal(err)
	}
	if out := plan(); !strings.Contains(out, "~120 rows, ~12s at its reported limits") || !strings.Contains(out, "time: ~12s at the reported limits") {
		t.Errorf("after a call, the plan is not at the reported 600 a minute:\n%s", out)
	}
}
