package pool

import (
	"strings"
	"testing"
	"time"

	tier "github.com/tier-cli/tier"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/quota"
)

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func load(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.LoadBytes(tier.ProvidersYAML, []byte(`pools:
  free:
    - groq/*/llama-3.1-8b-instant
    - gemini/a/gemini-2.5-flash
    - gemini/b/gemini-2.5-flash
    - cerebras/default/llama3.1-8b
`), "providers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func names(ts []Target) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name())
	}
	return strings.Join(out, " ")
}

func TestResolve(t *testing.T) {
	c := load(t)
	ts, err := Resolve(c, "free", func(p string) []string { return SortKeys([]string{"work", "default"}) })
	if err != nil {
		t.Fatal(err)
	}
	want := "groq/default/llama-3.1-8b-instant groq/work/llama-3.1-8b-instant gemini/a/gemini-2.5-flash gemini/b/gemini-2.5-flash cerebras/default/llama3.1-8b"
	if names(ts) != want {
		t.Errorf("targets\n%s\nwant\n%s", names(ts), want)
	}
	if ts[2].Quota() != ts[3].Quota() || ts[0].Quota() == ts[1].Quota() {
		t.Errorf("quotas %q %q %q %q: gemini's keys share one, groq's do not", ts[0].Quota(), ts[1].Quota(), ts[2].Quota(), ts[3].Quota())
	}
	if _, err := Resolve(c, "nope", nil); err == nil {
		t.Error("an unknown pool resolved")
	}
}

func TestOrder(t *testing.T) {
	c := load(t)
	ts, _ := Resolve(c, "free", nil)
	reset := now.Add(2 * time.Hour)
	left := map[string]quota.Snapshot{
		// groq's day is used up until its reset: skipped.
		"groq/default/llama-3.1-8b-instant": {ObservedAt: now, Windows: []quota.Window{{Metric: quota.Requests, Period: quota.PeriodDay, Remaining: ptr(int64(0)), ResetAt: &reset}}},
		// gemini key a is used up: b is the same project, so skipped too.
		"gemini/a/gemini-2.5-flash": {ObservedAt: now, Windows: []quota.Window{{Metric: quota.Requests, Period: quota.PeriodDay, Remaining: ptr(int64(0)), ResetAt: &reset}}},
	}
	use, skipped := Order(ts, func(t Target) (quota.Snapshot, bool) { s, ok := left[t.Name()]; return s, ok }, now)
	if names(use) != "cerebras/default/llama3.1-8b" {
		t.Errorf("use %s, want cerebras only", names(use))
	}
	if len(skipped) != 3 || !strings.Contains(skipped[2].Reason, "whole account") || skipped[0].Until == nil || !skipped[0].Until.Equal(reset) {
		t.Errorf("skipped %+v", skipped)
	}
	// After the reset, everything has headroom again.
	use, _ = Order(ts, func(t Target) (quota.Snapshot, bool) { s, ok := left[t.Name()]; return s, ok }, reset.Add(time.Second))
	if len(use) != 4 {
		t.Errorf("after the reset: %s", names(use))
	}
}

func TestHeadroom(t *testing.T) {
	ra := 30.0
	cases := []struct {
		s    quota.Snapshot
		ok   bool
		want string
	}{
		{quota.Snapshot{ObservedAt: now, RetryAfterS: &ra}, false, "cooling down after a 429"},
		{quota.Snapshot{ObservedAt: now.Add(-time.Minute), RetryAfterS: &ra}, true, ""},
		{quota.Snapshot{ObservedAt: now, Credit: &quota.Credit{Remaining: ptr(0.0)}}, false, "credit used up"},
		{quota.Snapshot{ObservedAt: now, Windows: []quota.Window{{Metric: quota.Tokens, Period: quota.PeriodMinute, Remaining: ptr(int64(5))}}}, true, ""},
		// A 429 naming a used-up day (Groq's TPD): the day is the reason,
		// with its reset, as the README's example shows.
		{quota.Snapshot{ObservedAt: now, RetryAfterS: &ra, Windows: []quota.Window{{Metric: quota.Tokens, Period: quota.PeriodDay,
			Remaining: ptr(int64(0)), ResetAt: ptr(now.Add(30 * time.Second))}}}, false, "tokens per day used up until its reset"},
		// Groq's hint has milliseconds, the reset whole seconds: the same
		// moment, and the window says it.
		{quota.Snapshot{ObservedAt: now, RetryAfterS: ptr(30.016), Windows: []quota.Window{{Metric: quota.Tokens, Period: quota.PeriodDay,
			Remaining: ptr(int64(0)), ResetAt: ptr(now.Add(30 * time.Second))}}}, false, "tokens per day used up until its reset"},
		// A cool-down that ends after the window's reset says when.
		{quota.Snapshot{ObservedAt: now, RetryAfterS: &ra, Windows: []quota.Window{{Metric: quota.Tokens, Period: quota.PeriodMinute,
			Remaining: ptr(int64(0)), ResetAt: ptr(now.Add(10 * time.Second))}}}, false, "cooling down after a 429"},
		// Used up with no reset known, no cool-down: skipped, no time.
		{quota.Snapshot{ObservedAt: now, Windows: []quota.Window{{Metric: quota.Requests, Period: quota.PeriodMinute, Remaining: ptr(int64(0))}}}, false, "requests per minute used up"},
	}
	for i, c := range cases {
		ok, sk := Headroom(c.s, now)
		if ok != c.ok || !strings.HasPrefix(sk.Reason, c.want) {
			t.Errorf("case %d: %v %q, want %v %q", i, ok, sk.Reason, c.ok, c.want)
		}
	}
	if !FallThrough(quota.ClassQuotaExhausted) || !FallThrough(quota.ClassRateLimited) || FallThrough(quota.ClassAuth) {
		t.Error("FallThrough")
	}
}

// OpenRouter's ":free" models share one quota (its limits are
// across_models): two of them in a pool, with any key of the account, are
// one pacer in tier batch and one skip in tier chat; a paid model of the
// same provider keeps its own.
func TestQuotaAcrossModels(t *testing.T) {
	c := load(t)
	or, err := c.Profile("openrouter")
	if err != nil {
		t.Fatal(err)
	}
	a := Target{Profile: or, Key: "default", Model: "a/model:free"}
	b := Target{Profile: or, Key: "second", Model: "b/model:free"}
	paid := Target{Profile: or, Key: "default", Model: "openai/gpt-4o"}
	if a.Quota() != b.Quota() {
		t.Errorf("two free models: quotas %q and %q, want one", a.Quota(), b.Quota())
	}
	if paid.Quota() == a.Quota() || paid.Quota() != "openrouter/*/openai/gpt-4o" {
		t.Errorf("a paid model: quota %q (free models' %q)", paid.Quota(), a.Quota())
	}
	groq, _ := c.Profile("groq")
	g := Target{Profile: groq, Key: "default", Model: "llama-3.1-8b-instant"}
	if g.Quota() != g.Name() {
		t.Errorf("a provider counted per key and per model: quota %q, want its name", g.Quota())
	}
	reset := now.Add(time.Hour)
	used := quota.Snapshot{ObservedAt: now, Windows: []quota.Window{{Metric: quota.Requests, Period: quota.PeriodDay, Limit: ptr(int64(50)), Remaining: ptr(int64(0)), ResetAt: &reset, Source: quota.SourceEstimate}}}
	use, skipped := Order([]Target{a, b, paid}, func(t Target) (quota.Snapshot, bool) {
		if t.Name() == a.Name() {
			return used, true
		}
		return quota.Snapshot{}, false
	}, now)
	if names(use) != paid.Name() || len(skipped) != 2 {
		t.Errorf("used %q, skipped %+v: want both free models skipped, the paid one used", names(use), skipped)
	}
}
