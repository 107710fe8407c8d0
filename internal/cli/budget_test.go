package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/chat"
	"github.com/tier-cli/tier/internal/fakeprovider"
)

// pricedGroq is a world with groq's fake model priced at $1 per thousand
// tokens, in and out.
func pricedGroq(t *testing.T) *qworld {
	w := newQWorld(t)
	s := qspecs["groq"]
	s.extra = "    models:\n      - id: " + fakeprovider.Model + "\n        price: {input: 1000, output: 1000, as_of: 2026-12-01, source: \"https://fake.test/prices\"}\n"
	w.add(s)
	w.writeConfig()
	return w
}

// A hard budget refuses before the network (the fake sees nothing), exit
// 7; its alerts come once per threshold.
func TestBudgetRefusesBeforeSending(t *testing.T) {
	w := pricedGroq(t)
	out := filepath.Join(t.TempDir(), "alerts")
	w.must(0, "budget", "set", "ci", "--provider", "groq", "--limit", "0.1", "--period", "day", "--alert-cmd", "echo \"$TIER_ALERT_BUDGET $TIER_ALERT_THRESHOLD\" >> "+out)
	fake := w.provs["groq"]
	var stderr strings.Builder
	refused := false
	for i := 0; i < 40 && !refused; i++ {
		before := len(fake.chats())
		r := w.run("chat", "-p", "groq", "-m", fakeprovider.Model, "--no-stdin", "--retries", "0", "--max-tokens", "10", "hello")
		stderr.WriteString(r.stderr)
		switch r.code {
		case 0:
		case ExitBudget:
			refused = true
			if n := len(fake.chats()); n != before {
				t.Fatalf("a refused call reached the provider (%d requests, %d before)", n, before)
			}
			if !strings.Contains(r.stderr, "budget ci reached") || !strings.Contains(r.stderr, "nothing was sent") {
				t.Errorf("refusal says %q", r.stderr)
			}
		default:
			t.Fatalf("%s", r)
		}
	}
	if !refused {
		t.Fatal("the budget never refused a call")
	}
	for _, th := range []string{"50% reached", "80% reached"} {
		if n := strings.Count(stderr.String(), th); n != 1 {
			t.Errorf("%q alerted %d times, want once:\n%s", th, n, stderr.String())
		}
	}
	b, _ := os.ReadFile(out)
	if got := string(b); !strings.Contains(got, "ci 50\n") || !strings.Contains(got, "ci 80\n") {
		t.Errorf("alert_cmd saw %q", got)
	}
	r := w.must(ExitBudget, "chat", "-p", "groq", "-m", fakeprovider.Model, "--no-stdin", "--json", "hello")
	var j chat.JSON
	if err := json.Unmarshal([]byte(r.stdout), &j); err != nil || j.Error == nil || j.Error.Kind != "budget" || j.Error.ExitCode != 7 {
		t.Errorf("--json refusal: %v %s", err, r.stdout)
	}
	// After each call, the quota line has the budgets in its scope.
	if !strings.Contains(stderr.String(), " · budget ci $") || !strings.Contains(stderr.String(), " of $0.1000 today") {
		t.Errorf("the quota line has no budget:\n%s", stderr.String())
	}
	// Another scope is not this budget's.
	w.must(0, "budget", "set", "ci", "--provider", "groq", "--key", "other", "--limit", "0.1")
	w.must(0, "chat", "-p", "groq", "-m", fakeprovider.Model, "--no-stdin", "--max-tokens", "10", "hello")
	w.must(0, "budget", "rm", "ci")
	if r := w.must(0, "budget", "list", "--json"); !strings.Contains(r.stdout, `"budgets":[]`) {
		t.Errorf("after rm: %s", r.stdout)
	}
}

func TestMaxCost(t *testing.T) {
	w := pricedGroq(t)
	// 2 prompt tokens + 100 out at $0.001 each: $0.102 at worst.
	r := w.must(ExitBudget, "chat", "-p", "groq", "-m", fakeprovider.Model, "--no-stdin", "--max-tokens", "100", "--max-cost", "0.05", "hello")
	if len(w.provs["groq"].chats()) != 0 || !strings.Contains(r.stderr, "more than --max-cost") {
		t.Errorf("--max-cost: %s", r)
	}
	w.must(0, "chat", "-p", "groq", "-m", fakeprovider.Model, "--no-stdin", "--max-tokens", "10", "--max-cost", "0.05", "hello")
	// A soft budget alerts (in --json too) and never refuses.
	w.must(0, "budget", "set", "soft", "--limit", "0.001", "--mode", "soft")
	r = w.must(0, "chat", "-p", "groq", "-m", fakeprovider.Model, "--no-stdin", "--json", "--max-tokens", "10", "hello")
	var j chat.JSON
	if err := json.Unmarshal([]byte(r.stdout), &j); err != nil || len(j.Alerts) != 1 || j.Alerts[0].Threshold != 100 {
		t.Errorf("soft budget alerts: %v %s", err, r.stdout)
	}
}

func TestBudgetFromProvidersYAML(t *testing.T) {
	w := pricedGroq(t)
	w.yaml.WriteString("budgets:\n  - name: tokens\n    limit: 5\n    unit: tokens\n")
	w.writeConfig()
	r := w.must(ExitBudget, "chat", "-p", "groq", "-m", fakeprovider.Model, "--no-stdin", "--max-tokens", "10", "hello")
	if len(w.provs["groq"].chats()) != 0 || !strings.Contains(r.stderr, "budget tokens reached") {
		t.Errorf("%s", r)
	}
	if r := w.must(0, "budget", "list"); !strings.Contains(r.stdout, "providers.yaml") {
		t.Errorf("list: %s", r)
	}
	w.must(ExitUsage, "budget", "rm", "tokens")
	w.must(ExitUsage, "budget", "set", "tokens", "--limit", "3")
	w.yaml.WriteString("  - name: bad\n    limit: -1\n")
	w.writeConfig()
	if r := w.must(ExitUsage, "budget", "list"); !strings.Contains(r.stderr, "providers.yaml:") {
		t.Errorf("bad budget: %s", r)
	}
}

// tier batch --max-cost stops the run once the next row could pass it:
// exit 7, the rows not sent counted, and the same command without the cap
// sends them (resume), each row written once.
func TestBatchMaxCost(t *testing.T) {
	w := pricedGroq(t)
	dir := t.TempDir()
	w.provs["groq"].fake.SetLimits(fakeprovider.Limits{RPM: 100_000, RPD: 1_000_000, TPM: 10_000_000, TPD: 100_000_000})
	input, output := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "out.jsonl")
	var in strings.Builder
	for i := range 12 {
		fmt.Fprintf(&in, `{"custom_id": "r%d", "method": "POST", "url": "/v1/chat/completions", "body": {"messages": [{"role": "user", "content": "hello"}], "max_tokens": 10}}`+"\n", i)
	}
	if err := os.WriteFile(input, []byte(in.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// 2 prompt tokens + 10 out at $0.001 each: $0.012 a row at worst.
	args := []string{"batch", "-p", "groq", "-m", fakeprovider.Model, input, "-o", output, "-q"}
	// A batch paces by the clock: a real one.
	run := func(args ...string) qrun {
		var out, errb bytes.Buffer
		env := w.factory(strings.NewReader(""), &out, &errb)
		env.Now = time.Now
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return qrun{args: args, code: Run(ctx, env, args), stdout: out.String(), stderr: errb.String()}
	}
	r := run(append(args, "--max-cost", "0.05")...)
	if r.code != ExitBudget || !strings.Contains(r.stderr, "--max-cost 0.05 reached") || !strings.Contains(r.stderr, "rows not sent") {
		t.Fatalf("want exit 7 naming the cap and the rows not sent:\n%s", r)
	}
	sent := len(w.provs["groq"].fake.Requests())
	if sent == 0 || sent >= 12 || !strings.Contains(r.stderr, fmt.Sprintf("%d rows not sent, %d written", 12-sent, sent)) {
		t.Errorf("%d requests:\n%s", sent, r)
	}
	if r := run(append(args, "--tag", "nightly")...); r.code != 0 {
		t.Fatalf("the resume: %s", r)
	}
	b, _ := os.ReadFile(output)
	if n := strings.Count(string(b), "\n"); n != 12 || len(w.provs["groq"].fake.Requests()) != 12 {
		t.Errorf("after the resume: %d rows, %d requests, want 12 of each", n, len(w.provs["groq"].fake.Requests()))
	}
	// The resumed rows were logged with batch's --tag, as chat's.
	if r := w.must(0, "usage", "--by", "tag", "--jq", `[.rows[] | select(.group == "nightly") | .requests] | add`); r.stdout != fmt.Sprintf("%d\n", 12-sent) {
		t.Errorf("rows tagged nightly: %q, want %d", r.stdout, 12-sent)
	}
}

// A probe is a call too: a hard budget it would pass refuses it before the
// network, as it refuses a chat.
func TestBudgetRefusesAProbe(t *testing.T) {
	w := pricedGroq(t)
	w.must(0, "budget", "set", "ci", "--provider", "groq", "--limit", "0.000001", "--period", "day")
	r := w.run("quota", "groq", "--refresh", "--probe")
	if r.code != ExitBudget || len(w.provs["groq"].chats()) != 0 || !strings.Contains(r.stderr, "budget ci") {
		t.Errorf("a probe past a hard budget: exit %d, %d requests sent\n%s", r.code, len(w.provs["groq"].chats()), r)
	}
}

// Raising a budget as its refusal says ('tier budget set ci --limit N')
// keeps its scope and period; a new budget without --limit is a usage
// error (exit 2, not 1).
func TestBudgetSetRaisesTheLimitOnly(t *testing.T) {
	w := pricedGroq(t)
	w.must(0, "budget", "set", "ci", "--provider", "groq", "--limit", "0.001", "--period", "day")
	r := w.must(ExitBudget, "chat", "-p", "groq", "-m", fakeprovider.Model, "--no-stdin", "--max-tokens", "10", "hello")
	if !strings.Contains(r.stderr, "tier budget set ci --limit N") {
		t.Fatalf("the refusal does not say how to raise it: %s", r)
	}
	w.must(0, "budget", "set", "ci", "--limit", "5")
	r = w.must(0, "budget", "list", "--json")
	if !strings.Contains(r.stdout, `"provider":"groq"`) || !strings.Contains(r.stdout, `"period":"day"`) || !strings.Contains(r.stdout, `"limit":5`) {
		t.Errorf("raised budget: %s", r.stdout)
	}
	if r := w.must(ExitUsage, "budget", "set", "new"); !strings.Contains(r.stderr, "--limit") {
		t.Errorf("a new budget without --limit: %s", r)
	}
}

// A hard budget that stops a batch says, as --max-cost does, how many rows
// were not sent and that the same command sends them; its alerts are said
// on the way.
func TestBatchStoppedByABudget(t *testing.T) {
	w := pricedGroq(t)
	dir := t.TempDir()
	w.provs["groq"].fake.SetLimits(fakeprovider.Limits{RPM: 100_000, RPD: 1_000_000, TPM: 10_000_000, TPD: 100_000_000})
	input, output := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "out.jsonl")
	var in strings.Builder
	for i := range 12 {
		fmt.Fprintf(&in, `{"custom_id": "r%d", "method": "POST", "url": "/v1/chat/completions", "body": {"messages": [{"role": "user", "content": "hello"}], "max_tokens": 10}}`+"\n", i)
	}
	if err := os.WriteFile(input, []byte(in.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	w.must(0, "budget", "set", "run", "--limit", "0.05", "--period", "day")
	var out, errb bytes.Buffer
	env := w.factory(strings.NewReader(""), &out, &errb)
	env.Now = time.Now // a batch paces by the clock
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := qrun{code: Run(ctx, env, []string{"batch", "-p", "groq", "-m", fakeprovider.Model, input, "-o", output, "-q", "--concurrency", "1"}), stderr: errb.String()}
	sent := len(w.provs["groq"].fake.Requests())
	if r.code != ExitBudget || sent == 0 || sent >= 12 {
		t.Fatalf("want exit 7 after some rows, %d sent:\n%s", sent, r)
	}
	if want := fmt.Sprintf("%d rows not sent, %d written to %s; run the same command", 12-sent, sent, output); !strings.Contains(r.stderr, want) {
		t.Errorf("the stop does not say %q:\n%s", want, r.stderr)
	}
	if !strings.Contains(r.stderr, "tier: budget run: 50% reached") {
		t.Errorf("no alert on the way:\n%s", r.stderr)
	}
}
