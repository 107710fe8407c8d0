package batch

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/usage"
)

func run1(t *testing.T, fp *fakeprovider.Server, n int, cfg Config) (*memSink, Summary) {
	t.Helper()
	if fp.Limits == fakeprovider.DefaultLimits {
		// Headers that leave room: the test is about something else.
		fp.Limits = fakeprovider.Limits{RPM: 100_000, RPD: 1_000_000, TPM: 10_000_000}
	}
	e, cat := world(t, fake{"fa", fp, "    dialect: cerebras\n"})
	sink := &memSink{}
	cfg.Caller, cfg.Sink, cfg.Targets = e, sink, []Target{target(t, cat, "fa", "default")}
	sum, err := Run(context.Background(), cfg, rowsOf(n))
	if err != nil {
		t.Fatal(err)
	}
	return sink, sum
}

func TestRunErrorsInTheRow(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.Cerebras, fakeprovider.Step{Reply: "ok"},
		fakeprovider.Step{Status: http.StatusBadRequest, Body: `{"error":{"message":"bad model","type":"invalid_request_error"}}`},
		fakeprovider.Step{Reply: "ok"})
	sink, sum := run1(t, fp, 3, Config{MaxConcurrency: 1})
	if len(sink.rows) != 3 || sum.Failed != 1 {
		t.Fatalf("rows %d failed %d, want 3 and 1", len(sink.rows), sum.Failed)
	}
	var failed *OutputRow
	for i, r := range sink.rows {
		if r.Error != nil {
			failed = &sink.rows[i]
		} else if r.Response == nil || r.Response.StatusCode != 200 {
			t.Errorf("row %s: %+v, want a 200 response", r.CustomID, r)
		}
	}
	if failed == nil || failed.Response == nil || failed.Response.StatusCode != 400 || !strings.Contains(failed.Error.Message, "bad model") {
		t.Errorf("failed row = %+v, want status 400 and the provider's message", failed)
	}
}

func TestRunRateLimitedPausesAndResends(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.Cerebras, fakeprovider.Step{Reply: "ok"},
		fakeprovider.Step{Status: http.StatusTooManyRequests, Body: fakeprovider.BodyCerebrasRPM, Header: http.Header{"Retry-After": {"1"}}},
		fakeprovider.Step{Reply: "ok"})
	start := time.Now()
	sink, sum := run1(t, fp, 3, Config{MaxConcurrency: 1})
	if len(sink.rows) != 3 || sum.Failed != 0 || sum.RateLimited != 1 {
		t.Fatalf("rows %d failed %d 429s %d, want 3, 0, 1", len(sink.rows), sum.Failed, sum.RateLimited)
	}
	if len(fp.Requests()) != 4 {
		t.Errorf("%d requests, want 4 (the 429's row sent again)", len(fp.Requests()))
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("took %s: the quota was not paused for the Retry-After", d)
	}
}

func TestRunCutReplyIsNotResent(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.Cerebras, fakeprovider.Step{Reply: "one two three", CutBody: 40}, fakeprovider.Step{Reply: "ok"})
	sink, sum := run1(t, fp, 1, Config{})
	if len(fp.Requests()) != 1 || sum.Failed != 1 {
		t.Fatalf("%d requests, %d failed: a cut 2xx must be written as failed, not sent again", len(fp.Requests()), sum.Failed)
	}
	if e := sink.rows[0].Error; e == nil || !strings.Contains(e.Message, "not sent again") {
		t.Errorf("error = %+v, want it to say it was not sent again", e)
	}
}

func TestRunStopsWhenTheDayRunsOut(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.Cerebras)
	fp.Limits = fakeprovider.Limits{RPM: 100, RPD: 3, TPM: 1_000_000}
	fp.Enforce = &fakeprovider.Enforce{Minute: time.Second}
	sink, sum := run1(t, fp, 6, Config{Minute: time.Second, MaxWait: 5 * time.Second})
	if !sum.Exhausted || len(sink.rows) != 3 || sum.ResumeAt.IsZero() {
		t.Fatalf("exhausted %v, %d rows, resume at %v: want the run stopped after 3 rows with a resume time", sum.Exhausted, len(sink.rows), sum.ResumeAt)
	}
	if !strings.Contains(sum.Why, "requests per day") {
		t.Errorf("why = %q, want the day window named", sum.Why)
	}
}

// A run starts from what the store last read: a resume before the day's
// reset sends nothing (it stops at once, saying when to go on), where it
// used to ask the provider again and meet a refusal.
func TestRunStartsFromTheStoredReading(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.Cerebras)
	fp.Limits = fakeprovider.Limits{RPM: 100, RPD: 3, TPM: 1_000_000}
	fp.Enforce = &fakeprovider.Enforce{Minute: time.Second, Day: time.Hour}
	e, cat := world(t, fake{"fa", fp, "    dialect: cerebras\n"})
	tg := target(t, cat, "fa", "default")
	stored := func(t Target) (quota.Snapshot, bool) {
		s, ok, err := e.Store.Snapshot(t.Profile.Name, t.Key, t.Model)
		return s, ok && err == nil
	}
	cfg := Config{Caller: e, Targets: []Target{tg}, Minute: time.Second, MaxWait: 5 * time.Second, Stored: stored}
	first := &memSink{}
	cfg.Sink = first
	if sum, err := Run(context.Background(), cfg, rowsOf(6)); err != nil || !sum.Exhausted || len(first.rows) != 3 {
		t.Fatalf("first run: %v, exhausted %v, %d rows; want 3 rows, then the day used up", err, sum.Exhausted, len(first.rows))
	}
	before := len(fp.Requests())
	again := &memSink{}
	cfg.Sink = again
	sum, err := Run(context.Background(), cfg, rowsOf(6)[3:])
	if err != nil || !sum.Exhausted || sum.ResumeAt.IsZero() || !strings.Contains(sum.Why, "requests per day") {
		t.Fatalf("resume: %v, exhausted %v, resume at %v, why %q; want it stopped on the day, with its reset", err, sum.Exhausted, sum.ResumeAt, sum.Why)
	}
	if n := len(fp.Requests()) - before; n != 0 || len(again.sent) != 0 || sum.RateLimited != 0 {
		t.Errorf("the resume sent %d requests (%d rows journalled as sent) to a day known to be used up until %v, want none",
			n, len(again.sent), sum.ResumeAt)
	}
}

func TestRunStopsOnCredit(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.None, fakeprovider.Step{Reply: "ok"}, fakeprovider.Step{Status: http.StatusPaymentRequired, Body: fakeprovider.BodyDeepSeek402})
	sink, sum := run1(t, fp, 4, Config{MaxConcurrency: 1})
	if !sum.Exhausted || len(sink.rows) != 1 {
		t.Fatalf("exhausted %v, %d rows: want a stop after the first row", sum.Exhausted, len(sink.rows))
	}
}

func TestRunInterrupted(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.Cerebras, fakeprovider.Step{Reply: "ok", Delay: 300 * time.Millisecond})
	e, cat := world(t, fake{"fa", fp, "    dialect: cerebras\n"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	sink := &memSink{}
	sum, err := Run(ctx, Config{Caller: e, Sink: sink, Targets: []Target{target(t, cat, "fa", "default")}}, rowsOf(5))
	if err != nil || !sum.Interrupted || len(sink.rows) != 0 || len(sink.sent) == 0 {
		t.Fatalf("err %v interrupted %v rows %d sent %d: want an interrupted run, nothing written, some sent", err, sum.Interrupted, len(sink.rows), len(sink.sent))
	}
}

func TestRunSpreadsOverTargets(t *testing.T) {
	var fakes []fake
	for _, n := range []string{"fa", "fb"} {
		fp := fakeprovider.New(fakeprovider.Cerebras)
		fp.Limits = fakeprovider.Limits{RPM: 10, RPD: 100000, TPM: 1_000_000}
		fp.Enforce = &fakeprovider.Enforce{Minute: time.Second}
		fakes = append(fakes, fake{n, fp, "    dialect: cerebras\n" + limitsYAML(10)})
	}
	e, cat := world(t, fakes...)
	sink := &memSink{}
	sum, err := Run(context.Background(), Config{Caller: e, Sink: sink, Minute: time.Second,
		Targets: []Target{target(t, cat, "fa", "default"), target(t, cat, "fb", "default")}}, rowsOf(30))
	if err != nil || len(sink.rows) != 30 {
		t.Fatalf("err %v, %d rows", err, len(sink.rows))
	}
	if sum.Answered["fa/default/m1"] < 10 || sum.Answered["fb/default/m1"] < 10 {
		t.Errorf("answered %v: want both targets used", sum.Answered)
	}
	for _, f := range fakes {
		if f.srv.Rejected() != 0 {
			t.Errorf("%s: %d 429s", f.name, f.srv.Rejected())
		}
	}
}

func TestReserve(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.Cerebras)
	fp.Limits = fakeprovider.Limits{RPM: 100, RPD: 5, TPM: 1_000_000}
	fp.Enforce = &fakeprovider.Enforce{Minute: time.Second}
	sink, sum := run1(t, fp, 5, Config{Minute: time.Second, MaxWait: time.Second, Reserve: map[string]int64{"rpd": 2}, MaxConcurrency: 1})
	if !sum.Exhausted || len(sink.rows) != 3 {
		t.Fatalf("exhausted %v, %d rows: want 3 rows, 2 requests of the day kept", sum.Exhausted, len(sink.rows))
	}
}

func TestRunAccountScopeSharesOneQuota(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.None)
	fp.Limits = fakeprovider.Limits{RPM: 10}
	fp.Enforce = &fakeprovider.Enforce{Minute: time.Second, NoLimitHeaders: true}
	e, cat := world(t, fake{"fa", fp, "    quota_scope: account\n" + limitsYAML(10)})
	a, b := target(t, cat, "fa", "a"), target(t, cat, "fa", "b")
	a.Quota, b.Quota = "fa/*/m1", "fa/*/m1"
	sink := &memSink{}
	sum, err := Run(context.Background(), Config{Caller: e, Sink: sink, Minute: time.Second, Targets: []Target{a, b}}, rowsOf(15))
	if err != nil || len(sink.rows) != 15 {
		t.Fatalf("%v, %d rows", err, len(sink.rows))
	}
	if fp.Rejected() != 0 || sum.RateLimited != 0 {
		t.Errorf("%d 429s: two keys of one account were taken for twice the quota", fp.Rejected())
	}
}

func TestRunPoolFallsThroughOnCredit(t *testing.T) {
	broke := fakeprovider.New(fakeprovider.None, fakeprovider.Step{Status: http.StatusPaymentRequired, Body: fakeprovider.BodyDeepSeek402})
	fine := fakeprovider.New(fakeprovider.None)
	e, cat := world(t, fake{"fa", broke, ""}, fake{"fb", fine, ""})
	sink := &memSink{}
	sum, err := Run(context.Background(), Config{Caller: e, Sink: sink,
		Targets: []Target{target(t, cat, "fa", "default"), target(t, cat, "fb", "default")}}, rowsOf(6))
	if err != nil || sum.Exhausted || len(sink.rows) != 6 || sum.Failed != 0 || sum.Answered["fb/default/m1"] != 6 {
		t.Fatalf("err %v exhausted %v rows %d failed %d answered %v: want every row answered by fb", err, sum.Exhausted, len(sink.rows), sum.Failed, sum.Answered)
	}
	if n := len(broke.Requests()); n != 1 {
		t.Errorf("%d requests to the target out of credit, want 1", n)
	}
}

// kindRecorder passes calls on to its engine and keeps each request's Kind.
type kindRecorder struct {
	Caller
	kinds chan string
}

func (k kindRecorder) Call(ctx context.Context, req engine.Request) (engine.Result, error) {
	k.kinds <- req.Kind
	return k.Caller.Call(ctx, req)
}

// TestRunLogsRowsAsBatch: the usage log tells a batch row from a chat.
func TestRunLogsRowsAsBatch(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.Cerebras)
	fp.Limits = fakeprovider.Limits{RPM: 100_000, RPD: 1_000_000, TPM: 10_000_000}
	e, cat := world(t, fake{"fa", fp, "    dialect: cerebras\n"})
	rec := kindRecorder{Caller: e, kinds: make(chan string, 100)}
	cfg := Config{MaxConcurrency: 1, Caller: rec, Sink: &memSink{}, Targets: []Target{target(t, cat, "fa", "default")}}
	if _, err := Run(context.Background(), cfg, rowsOf(3)); err != nil {
		t.Fatal(err)
	}
	close(rec.kinds)
	for k := range rec.kinds {
		if k != usage.KindBatch {
			t.Errorf("a row was sent as kind %q, want %q", k, usage.KindBatch)
		}
	}
}

// pricedYAML prices m1 at $1 per thousand tokens, in and out.
const pricedYAML = "    dialect: cerebras\n    models:\n      - id: m1\n        price: {input: 1000, output: 1000, as_of: 2026-12-01, source: test}\n"

// --max-cost caps the run: rows are sent while what was spent plus the
// next row's worst case stays within it (waiting for the rows in flight
// rather than counting their worst case), then the run stops with the
// rest not sent, nothing sent past the cap.
func TestRunMaxCost(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.Cerebras, fakeprovider.Step{Reply: "ok"})
	fp.Limits = fakeprovider.Limits{RPM: 100_000, RPD: 1_000_000, TPM: 10_000_000}
	e, cat := world(t, fake{"fa", fp, pricedYAML})
	sink := &memSink{}
	limit := 0.05
	cfg := Config{Caller: e, Sink: sink, Targets: []Target{target(t, cat, "fa", "default")}, MaxCost: &limit, MaxConcurrency: 4}
	sum, err := Run(context.Background(), cfg, rowsOf(40))
	if err != nil {
		t.Fatal(err)
	}
	n := len(fp.Requests())
	if !sum.Capped || n == 0 || n >= 40 || len(sink.rows) != n || len(sink.sent) != n || sum.NotSent != 40-n {
		t.Fatalf("capped %v, %d requests, %d rows, %d sent, %d not sent: want some rows, the rest not sent", sum.Capped, n, len(sink.rows), len(sink.sent), sum.NotSent)
	}
	if sum.Spent > limit || !strings.Contains(sum.CapWhy, "--max-cost 0.05 reached: $0.0450 spent") {
		t.Errorf("spent %v of %v: %s", sum.Spent, limit, sum.CapWhy)
	}
	// Without a price the run is not started.
	fp2 := fakeprovider.New(fakeprovider.Cerebras)
	e2, cat2 := world(t, fake{"fb", fp2, "    dialect: cerebras\n"})
	sum, err = Run(context.Background(), Config{Caller: e2, Sink: &memSink{}, Targets: []Target{target(t, cat2, "fb", "default")}, MaxCost: &limit}, rowsOf(3))
	if err != nil || !sum.Capped || sum.NotSent != 3 || len(fp2.Requests()) != 0 || !strings.Contains(sum.CapWhy, "not known") {
		t.Errorf("unpriced: %v %+v, %d requests", err, sum, len(fp2.Requests()))
	}
}

// A reserve of the day stops the run exactly at it, with calls in flight
// (their readings cross), and says it is the reserve that stopped it.
func TestReserveStopsExactlyAtIt(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.Cerebras, fakeprovider.Step{Reply: "ok", Delay: 20 * time.Millisecond})
	fp.Limits = fakeprovider.Limits{RPM: 100_000, RPD: 45, TPM: 10_000_000}
	fp.Enforce = &fakeprovider.Enforce{}
	sink, sum := run1(t, fp, 30, Config{MaxWait: time.Second, Reserve: map[string]int64{"rpd": 20}})
	if !sum.Exhausted || len(sink.rows) != 25 {
		t.Fatalf("exhausted %v, %d rows: want 25 rows, the day's last 20 requests kept", sum.Exhausted, len(sink.rows))
	}
	if want := "stopped at the reserve: rpd=20 kept for interactive use (20 left of the day)"; !strings.Contains(sum.Why, want) || strings.Contains(sum.Why, "used up") {
		t.Errorf("why = %q, want %q", sum.Why, want)
	}
}

type failingCaller struct{ err error }

func (f failingCaller) Call(context.Context, engine.Request) (engine.Result, error) {
	return engine.Result{}, f.err
}

// A run whose every target cannot be called (a budget refuses) ends at
// once, not at the next progress tick.
func TestRunEndsAtOnceWhenNoTargetCanBeCalled(t *testing.T) {
	_, cat := world(t, fake{"fa", fakeprovider.New(fakeprovider.Cerebras), "    dialect: cerebras\n"})
	start := time.Now()
	_, err := Run(context.Background(), Config{Caller: failingCaller{context.DeadlineExceeded}, Sink: &memSink{},
		Targets: []Target{target(t, cat, "fa", "default")}, ProgressEvery: 10 * time.Second}, rowsOf(2))
	if err == nil {
		t.Fatal("no error")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the run took %s to end", d)
	}
}

// alerting is a Caller whose second call crosses a budget's threshold.
type alerting struct {
	Caller
	calls *int
}

func (a alerting) Call(ctx context.Context, req engine.Request) (engine.Result, error) {
	res, err := a.Caller.Call(ctx, req)
	if *a.calls++; *a.calls == 2 {
		res.Alerts = append(res.Alerts, budget.Alert{Kind: budget.KindBudget, Budget: "nightly", Threshold: 80, Spent: 0.8, Limit: 1, Unit: "USD", Period: "day"})
	}
	return res, err
}

// A threshold a row's call crossed is said, once, as tier chat says it
// (it was recorded as alerted, and alert_cmd run, but never printed); on a
// terminal the progress line is cleared first.
func TestRunSaysAlerts(t *testing.T) {
	for _, tty := range []bool{false, true} {
		fp := fakeprovider.New(fakeprovider.Cerebras)
		fp.Limits = fakeprovider.Limits{RPM: 100_000, RPD: 1_000_000, TPM: 10_000_000}
		e, cat := world(t, fake{"fa", fp, "    dialect: cerebras\n"})
		var notes strings.Builder
		calls := 0
		cfg := Config{MaxConcurrency: 1, Caller: alerting{e, &calls}, Sink: &memSink{}, Targets: []Target{target(t, cat, "fa", "default")},
			Alert: AlertWriter(&notes, tty)}
		if _, err := Run(context.Background(), cfg, rowsOf(3)); err != nil {
			t.Fatal(err)
		}
		want := "tier: budget nightly: 80% reached ($0.8000 of $1.00 today)\n"
		if tty {
			want = "\r\x1b[K" + want
		}
		if notes.String() != want {
			t.Errorf("tty %v: notes %q, want %q", tty, notes.String(), want)
		}
	}
}

// keyless is a Caller for which the target with key "nokey" cannot be
// called (no key stored), as the engine says before sending anything.
type keyless struct{ Caller }

func (k keyless) Call(ctx context.Context, req engine.Request) (engine.Result, error) {
	if req.Key == "nokey" {
		return engine.Result{}, errors.New("no key for fa (key nokey): run 'tier keys set fa --key nokey'")
	}
	return k.Caller.Call(ctx, req)
}

// A pool's target that cannot be called is said as it is left out, once,
// and its rows go to the others; every row is still answered.
func TestRunSaysATargetLeftOut(t *testing.T) {
	fp := fakeprovider.New(fakeprovider.Cerebras)
	fp.Limits = fakeprovider.Limits{RPM: 100_000, RPD: 1_000_000, TPM: 10_000_000}
	e, cat := world(t, fake{"fa", fp, "    dialect: cerebras\n"})
	var notes strings.Builder
	sink := &memSink{}
	cfg := Config{Caller: keyless{e}, Sink: sink, Targets: []Target{target(t, cat, "fa", "nokey"), target(t, cat, "fa", "default")},
		Note: NoteWriter(&notes, false)}
	sum, err := Run(context.Background(), cfg, rowsOf(6))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Answered["fa/default/m1"] != 6 || len(sink.rows) != 6 {
		t.Errorf("answered %v, %d rows written; want all 6 by fa/default/m1", sum.Answered, len(sink.rows))
	}
	want := "tier: fa/nokey/m1 left out: no key for fa (key nokey): run 'tier keys set fa --key nokey'; its rows go to the other targets\n"
	if notes.String() != want {
		t.Errorf("notes %q, want %q", notes.String(), want)
	}
}
