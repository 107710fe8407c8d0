package usage

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skip(err)
	}
	return loc
}

func seeded(t testing.TB, entries ...Entry) *DB {
	t.Helper()
	db, err := New(t.TempDir()).Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Insert(entries...); err != nil {
		t.Fatal(err)
	}
	return db
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func cost(f float64) *float64 { return &f }

// The same calls fall in different days in two time zones.
func TestReportTimeZones(t *testing.T) {
	db := seeded(t,
		Entry{At: at("2026-12-02T23:30:00Z"), Kind: KindChat, Provider: "groq", Key: "default", Model: "a", PromptTokens: 10, CompletionTokens: 5, Cost: cost(0.5), Currency: "USD", Outcome: "ok"},
		Entry{At: at("2026-12-03T01:00:00Z"), Kind: KindChat, Provider: "groq", Key: "ci", Model: "a", PromptTokens: 1, CompletionTokens: 1, Cost: cost(0.25), Currency: "USD", CostEstimated: true, Outcome: "ok"},
		Entry{At: at("2026-12-03T12:00:00Z"), Kind: KindChat, Provider: "deepseek", Key: "default", Model: "b", PromptTokens: 100, Outcome: "ok", Tag: "nightly"},
	)
	cases := []struct {
		zone string
		want []string // period:requests
	}{
		{"UTC", []string{"2026-12-02:1", "2026-12-03:2"}},
		{"America/New_York", []string{"2026-12-02:2", "2026-12-03:1"}}, // 01:00Z is 20:00 the day before
		{"Asia/Kathmandu", []string{"2026-12-03:3"}},                   // +05:45
	}
	for _, c := range cases {
		rep, err := db.Report(Query{Loc: mustLoc(t, c.zone)})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rep.Rows {
			got = append(got, r.Period+":"+itoa(r.Requests))
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: %v, want %v", c.zone, got, c.want)
		}
		if rep.Total.Requests != 3 || rep.Total.Cost["USD"] != 0.75 || rep.Total.UnknownCost != 1 || !rep.Total.CostEstimated {
			t.Errorf("%s: total %+v", c.zone, rep.Total)
		}
	}
	rep, _ := db.Report(Query{Loc: time.UTC, By: "tag", Bucket: Monthly})
	if len(rep.Rows) != 2 || rep.Rows[0].Group != "" || rep.Rows[1].Group != "nightly" || rep.Rows[1].Period != "2026-12" {
		t.Errorf("by tag, monthly: %+v", rep.Rows)
	}
	if got := FormatCost(rep.Rows[1].Totals); got != "unknown" {
		t.Errorf("a call with no price costs %q, want unknown", got)
	}
	if got := FormatCost(rep.Total); got != "~$0.7500 +1 unknown" {
		t.Errorf("total cost %q", got)
	}
	rep, _ = db.Report(Query{Loc: time.UTC, By: "key", Bucket: Weekly, Since: at("2026-12-03T00:00:00Z")})
	if len(rep.Rows) != 2 || rep.Rows[0].Period != "2026-11-30" || rep.Rows[0].Group != "deepseek/default" || rep.Rows[1].Group != "groq/ci" {
		t.Errorf("by key, weekly, since: %+v", rep.Rows)
	}
	if _, err := db.Report(Query{By: "colour"}); err == nil {
		t.Error("grouping by an unknown column works")
	}
}

func itoa(n int64) string { return Tokens(n) }

func TestParseSince(t *testing.T) {
	now := at("2026-12-03T12:00:00Z")
	for in, want := range map[string]string{
		"2026-12-01": "2026-12-01T00:00:00Z", "20261201": "2026-12-01T00:00:00Z",
		"36h": "2026-12-02T00:00:00Z", "7d": "2026-11-26T12:00:00Z", "2w": "2026-11-19T12:00:00Z", "1m": "2026-11-03T12:00:00Z",
	} {
		got, err := ParseSince(in, now, time.UTC)
		if err != nil || !got.Equal(at(want)) {
			t.Errorf("%s: %v %v, want %s", in, got, err, want)
		}
	}
	if _, err := ParseSince("yesterday", now, time.UTC); err == nil {
		t.Error("yesterday parsed")
	}
}

func TestCellsBars(t *testing.T) {
	rep := Report{Bucket: Daily, By: "provider", Rows: []Row{
		{Period: "2026-12-01", Group: "groq", Totals: Totals{Requests: 1, TotalTokens: 10, Cost: map[string]float64{"USD": 1}}},
		{Period: "2026-12-02", Group: "groq", Totals: Totals{Requests: 1, TotalTokens: 10, Cost: map[string]float64{"USD": 0.5}, UnknownCost: 1}},
	}, Total: Totals{Requests: 2, TotalTokens: 20, Cost: map[string]float64{"USD": 1.5}, UnknownCost: 1}}
	// Without the chart: DAY(10) PROVIDER(8) REQUESTS(8) INPUT(5)
	// OUTPUT(6) TOKENS(6) COST(18), 2 apart: 73 columns.
	for _, c := range []struct {
		name  string
		tty   bool
		width int
		bar   int // the largest bar's cells; 0: no chart column
	}{
		{"a pipe", false, 0, 0},
		{"a terminal of unknown width", true, 0, barWidth},
		{"a wide terminal", true, 200, barWidth},
		{"80 columns: what is left", true, 80, 5},
		{"too narrow for a chart", true, 78, 0},
	} {
		heads, rows := rep.Cells(c.tty, c.width)
		if c.bar == 0 {
			if len(heads) != 7 {
				t.Errorf("%s: headers %v, want no chart column", c.name, heads)
			}
			continue
		}
		if n := len([]rune(rows[0][7])); len(heads) != 8 || n != c.bar {
			t.Errorf("%s: largest bar %d cells, want %d", c.name, n, c.bar)
		}
		if w := tableWidth(heads, rows); c.width > 0 && w > c.width {
			t.Errorf("%s: %d columns wide, more than %d", c.name, w, c.width)
		}
	}
	if _, rows := rep.Cells(true, 0); len([]rune(rows[1][7])) != barWidth {
		t.Errorf("with a cost unknown the bars stand for tokens: %q", rows[1][7])
	}
	rep.Rows[1].UnknownCost, rep.Total.UnknownCost = 0, 0
	if _, rows := rep.Cells(true, 0); len([]rune(rows[1][7])) != barWidth/2 {
		t.Errorf("half the cost, half the bar: %q", rows[1][7])
	}
}

// Every grouping of the report (slot_groups) adds up to what the full
// rollup (slots) and the calls themselves say, also for a log that had
// calls before slot_groups existed (the migration fills it), and after
// calls are deleted.
func TestSlotGroupsMatchSlots(t *testing.T) {
	dir := t.TempDir()
	db, err := New(dir).Open()
	if err != nil {
		t.Fatal(err)
	}
	calls := Calls100k(at("2026-11-01T00:00:00Z"), true)[:3000]
	if err := db.Insert(calls[:2000]...); err != nil {
		t.Fatal(err)
	}
	// As if the log predated m005: the table and its triggers gone.
	for _, q := range []string{`DROP TRIGGER calls_slot_groups_insert`, `DROP TRIGGER calls_slot_groups_delete`, `DROP TABLE slot_groups`,
		`DELETE FROM _migrations WHERE name = 'm005_slot_groups'`} {
		if _, err := db.SQL().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if db, err = New(dir).Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Insert(calls[2000:]...); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec(`DELETE FROM calls WHERE rowid % 7 = 0`); err != nil {
		t.Fatal(err)
	}
	for by, expr := range map[string]string{"": "''", "provider": "provider", "key": "provider || '/' || key_name", "model": "model", "tag": "coalesce(tag, '')"} {
		q := `SELECT count(*) FROM (SELECT at / 900000 AS s, coalesce(currency, '') AS c, ` + expr + ` AS g, count(*) AS n, sum(prompt_tokens) AS p,
			sum(completion_tokens) AS o, round(coalesce(sum(cost), 0), 9) AS x, sum(cost IS NULL) AS u FROM calls GROUP BY 1, 2, 3
			EXCEPT SELECT slot, currency, grp, requests, prompt_tokens, completion_tokens, round(coalesce(cost, 0), 9), unknown_cost FROM slot_groups WHERE grouping = ?)`
		var diff int
		if err := db.SQL().QueryRow(q, by).Scan(&diff); err != nil {
			t.Fatal(err)
		}
		var rows, want int
		db.SQL().QueryRow(`SELECT count(*) FROM slot_groups WHERE grouping = ?`, by).Scan(&rows)
		db.SQL().QueryRow(`SELECT count(*) FROM (SELECT 1 FROM calls GROUP BY at / 900000, coalesce(currency, ''), ` + expr + `)`).Scan(&want)
		if diff != 0 || rows != want {
			t.Errorf("--by %q: %d groups differ, %d rows for %d groups", by, diff, rows, want)
		}
	}
}

// A report with no calls (a fresh log, a --since after the last call) has
// rows [], not null: `tier usage --jq '.rows[]'` must not fail on it.
func TestReportNoCallsRowsEmpty(t *testing.T) {
	cases := []struct {
		name  string
		calls []Entry
		since time.Time
	}{
		{"empty log", nil, time.Time{}},
		{"since after every call", []Entry{{At: at("2026-12-02T10:00:00Z"), Kind: KindChat, Provider: "groq", Key: "default", Model: "a", Outcome: "ok"}}, at("2026-12-03T00:00:00Z")},
	}
	for _, c := range cases {
		rep, err := seeded(t, c.calls...).Report(Query{Loc: time.UTC, Since: c.since})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"rows":[]`) {
			t.Errorf("%s: %s, want rows []", c.name, b)
		}
	}
}
