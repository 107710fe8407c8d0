package usage

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// Pace is what calls spent from Since to now.
type Pace struct {
	Since time.Time
	// First is the start of the first quarter hour since Since with a
	// call (zero with none): a log that begins later than Since knows
	// nothing of the time before, which is no pace of 0.
	First                    time.Time
	Requests                 int64
	PromptTokens, Completion int64
	Cost                     map[string]float64
}

// Pace adds up the calls to provider with key (and model, unless "")
// since since (from the start of its quarter hour).
func (d *DB) Pace(provider, key, model string, since time.Time) (Pace, error) {
	from := since.UnixMilli() / slot
	p := Pace{Since: time.UnixMilli(from * slot), Cost: map[string]float64{}}
	q := `SELECT currency, min(slot), coalesce(sum(requests), 0), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0), sum(cost)
		FROM slots WHERE slot >= ? AND provider = ? AND key_name = ?`
	args := []any{from, provider, key}
	if model != "" {
		q += ` AND model = ?`
		args = append(args, model)
	}
	rs, err := d.db.Query(q+` GROUP BY currency`, args...)
	if err != nil {
		return p, err
	}
	defer rs.Close()
	for rs.Next() {
		var cur string
		var first, n, in, out int64
		var cost *float64
		if err := rs.Scan(&cur, &first, &n, &in, &out, &cost); err != nil {
			return p, err
		}
		if f := time.UnixMilli(first * slot); p.First.IsZero() || f.Before(p.First) {
			p.First = f
		}
		p.Requests += n
		p.PromptTokens += in
		p.Completion += out
		if cost != nil && cur != "" {
			p.Cost[cur] += *cost
		}
	}
	return p, rs.Err()
}

// minHourPace and minWeekPace are the shortest spans that a window's pace
// (hour) and a credit's (week) are taken over.
const (
	minHourPace = time.Hour
	minWeekPace = 24 * time.Hour
)

// span is how long p's calls were made over, at least least.
func (p Pace) span(now time.Time, least time.Duration) time.Duration {
	from := p.Since
	if p.First.After(from) {
		from = p.First
	}
	return max(now.Sub(from), least)
}

// Runway fills in s, at the pace of hour (the last hour's calls) and week
// (the last 7 days'), when each window with a figure left runs out before
// its reset, and when the credit runs out. Windows of a minute or less are
// left alone: their pace says nothing an hour long. A pace is over the time
// since its first call when that is later (a log begun an hour ago is no 7
// days' average), and over at least minHourPace or minWeekPace (a few
// minutes' calls are no pace for a day).
func Runway(s *quota.Snapshot, hour, week Pace, now time.Time) {
	for i := range s.Windows {
		w := &s.Windows[i]
		if w.Remaining == nil || w.Period == quota.PeriodMinute || w.Period == "second" || w.Period == quota.PeriodUnknown || w.Period == "" {
			continue
		}
		var used int64
		switch w.Metric {
		case quota.Requests:
			used = hour.Requests
		case quota.Tokens:
			used = hour.PromptTokens + hour.Completion
		case quota.InputTokens:
			used = hour.PromptTokens
		case quota.OutputTokens:
			used = hour.Completion
		default:
			continue
		}
		span := hour.span(now, minHourPace).Hours()
		if used <= 0 || span <= 0 {
			continue
		}
		rate := float64(used) / span
		left := float64(*w.Remaining)
		if left/rate > 24*366 {
			continue // a year away: past any reset
		}
		at := now.Add(time.Duration(left / rate * float64(time.Hour)))
		if left > 0 && w.ResetAt != nil && !at.Before(*w.ResetAt) {
			continue // lasts until it resets
		}
		at = at.UTC().Truncate(time.Minute)
		w.RunsOutAt, w.BurnPerHour = &at, ptr(math.Round(rate*100)/100)
	}
	if c := s.Credit; c != nil && c.Remaining != nil && *c.Remaining > 0 {
		var used float64
		if c.Unit == "tokens" {
			used = float64(week.PromptTokens + week.Completion)
		} else {
			used = week.Cost[c.Unit]
		}
		days := week.span(now, minWeekPace).Hours() / 24
		if used > 0 && days > 0 {
			rate := used / days
			if lasts := *c.Remaining / rate; lasts < 100*365 { // past a century says nothing
				at := now.Add(time.Duration(lasts * 24 * float64(time.Hour))).UTC().Truncate(time.Minute)
				c.LastsUntil, c.BurnPerDay = &at, ptr(math.Round(rate*1e6)/1e6)
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }

// RunwayText says what runs out when in s, one line, "" when nothing does:
// "RPD runs out at ~14:30 (resets 00:00 UTC); credit lasts ~12 days (expires in 20)".
func RunwayText(s quota.Snapshot, now time.Time, loc *time.Location) string {
	var parts []string
	for _, w := range s.Windows {
		if w.RunsOutAt == nil {
			continue
		}
		p := fmt.Sprintf("%s runs out at ~%s", shortLabel(w), clock(*w.RunsOutAt, now, loc))
		if w.ResetAt != nil {
			p += fmt.Sprintf(" (resets %s)", clock(*w.ResetAt, now, loc))
		}
		parts = append(parts, p)
	}
	if c := s.Credit; c != nil && c.LastsUntil != nil {
		p := "credit lasts ~" + duration(c.LastsUntil.Sub(now))
		if c.ExpiresAt != nil {
			p += " (expires in " + duration(c.ExpiresAt.Sub(now)) + ")"
			if c.ExpiresAt.Before(*c.LastsUntil) {
				p += ", outlasting its expiry"
			}
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

func shortLabel(w quota.Window) string {
	m := map[string]string{quota.Requests: "R", quota.Tokens: "T", quota.InputTokens: "IT", quota.OutputTokens: "OT"}[w.Metric]
	p := map[string]string{quota.PeriodHour: "H", quota.PeriodDay: "D", "week": "W", quota.PeriodMonth: "M"}[w.Period]
	if m == "" || p == "" {
		return w.Label()
	}
	return m + "P" + p
}

// clock is t as "14:30 UTC" in loc, with the date when not today.
func clock(t, now time.Time, loc *time.Location) string {
	t = t.In(loc)
	if y, m, d := t.Date(); y == now.In(loc).Year() && m == now.In(loc).Month() && d == now.In(loc).Day() {
		return t.Format("15:04 MST")
	}
	return t.Format("Jan 2 15:04 MST")
}

// duration is d in days ("12 days"), hours ("5h") or minutes ("40m").
func duration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dm", int(math.Max(d.Minutes(), 0)))
}
