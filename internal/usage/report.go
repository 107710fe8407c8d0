package usage

import (
	"fmt"
	"github.com/tier-cli/tier/internal/lazyre"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Bucket sizes of a report.
const (
	Daily   = "daily"
	Weekly  = "weekly"
	Monthly = "monthly"
)

// Groupings of a report's rows (besides none).
var Groupings = []string{"provider", "key", "model", "tag"}

// Query says what a report adds up.
type Query struct {
	Since  time.Time // zero: from the first call
	Bucket string    // Daily (""), Weekly or Monthly
	By     string    // "" or one of Groupings
	// Loc is the time zone of the buckets (days start at its midnight,
	// weeks on its Mondays); nil is time.Local.
	Loc *time.Location
}

// Totals are what some calls add up to. Cost holds the known costs by
// currency; UnknownCost counts the calls with no price; CostEstimated says
// some known cost is the catalog's price, not the provider's.
type Totals struct {
	Requests         int64              `json:"requests"`
	PromptTokens     int64              `json:"prompt_tokens"`
	CompletionTokens int64              `json:"completion_tokens"`
	TotalTokens      int64              `json:"total_tokens"`
	Cost             map[string]float64 `json:"cost"`
	CostEstimated    bool               `json:"cost_estimated"`
	UnknownCost      int64              `json:"unknown_cost_requests"`
}

// Row is one bucket (and group) of a report.
type Row struct {
	Period string    `json:"period"` // 2026-12-03 (a day, or a week's Monday) or 2026-12
	Start  time.Time `json:"start"`
	Group  string    `json:"group,omitempty"`
	Totals
}

// Report is the rows, oldest first (then by group), and their totals.
type Report struct {
	Bucket string `json:"bucket"`
	By     string `json:"by,omitempty"`
	Zone   string `json:"time_zone"`
	Rows   []Row  `json:"rows"`
	Total  Totals `json:"total"`
}

func (t *Totals) add(o Totals) {
	t.Requests += o.Requests
	t.PromptTokens += o.PromptTokens
	t.CompletionTokens += o.CompletionTokens
	t.TotalTokens += o.TotalTokens
	t.UnknownCost += o.UnknownCost
	t.CostEstimated = t.CostEstimated || o.CostEstimated
	for c, v := range o.Cost {
		t.Cost[c] += v
	}
}

// span is a stretch of slots [from, to) over which a time zone keeps one
// offset (in milliseconds).
type span struct{ from, to, offset int64 }

// spans cuts the slots [from, to) where loc's offset changes.
func spans(loc *time.Location, from, to int64) []span {
	offset := func(s int64) int64 {
		_, off := time.UnixMilli(s * slot).In(loc).Zone()
		return int64(off) * 1000
	}
	cur := span{from: from, offset: offset(from)}
	var out []span
	for s := from + 1; s < to; s++ {
		if o := offset(s); o != cur.offset {
			cur.to = s
			out = append(out, cur)
			cur = span{from: s, offset: o}
		}
	}
	cur.to = to
	return append(out, cur)
}

// round drops the float noise of sums (0.000030100000000000003) below a
// billionth.
func (t *Totals) round() {
	for c, v := range t.Cost {
		t.Cost[c] = math.Round(v*1e9) / 1e9
	}
}

// slot is the unit the database groups by: a quarter of an hour, which
// every time zone's offset is a whole number of, so that any zone's days
// are whole slots.
const slot = 15 * 60 * 1000

// groupBy is each --by's grouping in the slot_groups table.
var groupBy = map[string]string{"": "", "provider": "provider", "key": "key", "model": "model", "tag": "tag"}

// Report adds up the calls of q: the database adds up the quarter hours
// of each local day in q's time zone and group, and those days are put in
// q's buckets here.
func (d *DB) Report(q Query) (Report, error) {
	loc := q.Loc
	if loc == nil {
		loc = time.Local
	}
	group, ok := groupBy[q.By]
	if !ok {
		return Report{}, fmt.Errorf("cannot group by %q: use one of %s", q.By, strings.Join(Groupings, ", "))
	}
	bucket := q.Bucket
	if bucket == "" {
		bucket = Daily
	}
	start := func(t time.Time) (time.Time, string) {
		t = t.In(loc)
		y, m, day := t.Date()
		switch bucket {
		case Monthly:
			s := time.Date(y, m, 1, 0, 0, 0, 0, loc)
			return s, s.Format("2006-01")
		case Weekly:
			s := time.Date(y, m, day-(int(t.Weekday())+6)%7, 0, 0, 0, 0, loc)
			return s, s.Format("2006-01-02")
		}
		s := time.Date(y, m, day, 0, 0, 0, 0, loc)
		return s, s.Format("2006-01-02")
	}
	var since int64
	if !q.Since.IsZero() {
		since = q.Since.UnixMilli()
	}
	type key struct {
		period, group string
	}
	rows := map[key]*Row{}
	zone := loc.String()
	if zone == "Local" {
		zone, _ = time.Now().In(loc).Zone()
	}
	rep := Report{Bucket: bucket, By: q.By, Zone: zone, Rows: []Row{}, Total: Totals{Cost: map[string]float64{}}}
	var lo, hi *int64
	if err := d.db.QueryRow(`SELECT min(slot), max(slot) FROM slots WHERE slot >= ?`, since/slot).Scan(&lo, &hi); err != nil {
		return Report{}, err
	}
	if lo == nil {
		return rep, nil
	}
	// SQLite adds up whole local days: (slot's time + the zone's offset)
	// / one day, over each stretch of time with one offset.
	for _, span := range spans(loc, *lo, *hi+1) {
		rs, err := d.db.Query(`SELECT (slot * ? + ?) / 86400000 AS d, grp, currency, sum(requests), sum(prompt_tokens),
			sum(completion_tokens), sum(cost), sum(unknown_cost), max(cost_estimated)
			FROM slot_groups WHERE grouping = ? AND slot >= ? AND slot < ? GROUP BY d, currency, grp`, slot, span.offset, group, span.from, span.to)
		if err != nil {
			return Report{}, err
		}
		for rs.Next() {
			var day int64
			var g, cur string
			var t Totals
			var cost *float64
			if err := rs.Scan(&day, &g, &cur, &t.Requests, &t.PromptTokens, &t.CompletionTokens, &cost, &t.UnknownCost, &t.CostEstimated); err != nil {
				rs.Close()
				return Report{}, err
			}
			t.TotalTokens = t.PromptTokens + t.CompletionTokens
			y, m, dd := time.UnixMilli(day * 86400000).UTC().Date()
			st, period := start(time.Date(y, m, dd, 12, 0, 0, 0, loc)) // noon: that day whatever its DST change
			r := rows[key{period, g}]
			if r == nil {
				r = &Row{Period: period, Start: st, Group: g, Totals: Totals{Cost: map[string]float64{}}}
				rows[key{period, g}] = r
			}
			if cost != nil && cur != "" {
				r.Cost[cur] += *cost
				rep.Total.Cost[cur] += *cost
			}
			r.add(t)
			rep.Total.add(t)
		}
		if err := rs.Close(); err != nil {
			return Report{}, err
		}
	}
	rep.Rows = make([]Row, 0, len(rows))
	for _, r := range rows {
		r.round()
		rep.Rows = append(rep.Rows, *r)
	}
	rep.Total.round()
	sort.Slice(rep.Rows, func(i, j int) bool {
		a, b := rep.Rows[i], rep.Rows[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.Group < b.Group
	})
	return rep, nil
}

var relative = lazyre.New(`^(\d+)([hdwm])$`)

// ParseSince reads --since: a date (2026-12-01 or 20261201, from its
// midnight in loc) or an age (36h, 7d, 2w, 3m: months), before now.
func ParseSince(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.Local
	}
	for _, layout := range []string{"2006-01-02", "20060102"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if m := relative().FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		switch m[2] {
		case "h":
			return now.Add(-time.Duration(n) * time.Hour), nil
		case "d":
			return now.AddDate(0, 0, -n), nil
		case "w":
			return now.AddDate(0, 0, -7*n), nil
		case "m":
			return now.AddDate(0, -n, 0), nil
		}
	}
	return time.Time{}, fmt.Errorf("--since takes a date (2026-12-01) or an age (36h, 7d, 2w, 3m), got %q", s)
}
