// Package status owns the one short line 'tier status' prints for status
// bars, shell prompts and editors: which windows and credits of the
// overview's rows make the line, their compact figures ("9/30rpm", "$4.20
// exp 12d"), the default layout and the data a custom text/template sees.
// It takes plain rows (internal/overview) and knows nothing of cobra, the
// network or the state files.
package status

import (
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"

	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/ui"
)

// Line is everything the status line knows: what --json prints and what a
// --format template sees as its dot.
type Line struct {
	// Text is the default line, without colour: "groq 9/30rpm 880/1000rpd
	// · deepseek $4.20 exp 12d"; "" when nothing is known.
	Text      string     `json:"text"`
	Providers []Provider `json:"providers"`
}

// Provider is one provider's part of the line.
type Provider struct {
	Name string `json:"provider"`
	// Windows are every window with a figure left, the tightest of the
	// provider's keys and models for each metric and period, in display
	// order (requests, tokens, others; shortest period first).
	Windows []Window `json:"windows"`
	// Shown are the windows the default line shows: the request windows,
	// and any other window with less than a fifth left.
	Shown  []Window `json:"-"`
	Credit *Credit  `json:"credit,omitempty"`
	// Text is the provider's part of the default line: "groq 9/30rpm 880/1000rpd".
	Text string `json:"text"`
}

// Window is one rate-limit window in short form.
type Window struct {
	Label     string     `json:"label"` // "rpm", "tpd", "neurons/day"
	Metric    string     `json:"metric"`
	Period    string     `json:"period"`
	Key       string     `json:"key"`
	Model     string     `json:"model,omitempty"`
	Remaining int64      `json:"remaining"`
	Limit     *int64     `json:"limit,omitempty"`
	ResetAt   *time.Time `json:"reset_at,omitempty"`
	ResetIn   string     `json:"reset_in,omitempty"` // "41s", "13h05m"
	// PercentLeft is remaining/limit in whole percent, -1 without a limit.
	PercentLeft int    `json:"percent_left"`
	Estimate    bool   `json:"estimate"`           // counted by tier from its own calls ("~")
	Refilled    bool   `json:"refilled,omitempty"` // its reset passed since it was seen
	Text        string `json:"text"`               // "9/30rpm", "~38/50rpd"
}

// Credit is a provider's credit in short form.
type Credit struct {
	Key       string     `json:"key"`
	Remaining float64    `json:"remaining"`
	Unit      string     `json:"unit,omitempty"`
	Amount    string     `json:"amount"` // "$4.20", "~$4.98"
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	ExpiresIn string     `json:"expires_in,omitempty"` // "12d"; "expired" once past
	Estimate  bool       `json:"estimate"`
	Text      string     `json:"text"` // "$4.20 exp 12d"
}

// Sep separates providers on the line.
const Sep = " · "

// lowShare is the share left under which a window that is not a request
// window joins the default line.
const lowShare = 20

// expirySoon is how close an expiry must be to be highlighted.
const expirySoon = 7 * 24 * time.Hour

// Build makes the line from rows (sorted by provider, as overview.Rows
// returns them) as of now. Providers with no figure left at all are left
// out; a window not reported is absent, never 0.
func Build(rows []overview.Row, now time.Time) Line {
	var line Line
	var texts []string
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].Snapshot.Provider == rows[i].Snapshot.Provider {
			j++
		}
		if p, ok := provider(rows[i:j], now); ok {
			line.Providers = append(line.Providers, p)
			texts = append(texts, p.Text)
		}
		i = j
	}
	if line.Providers == nil {
		line.Providers = []Provider{}
	}
	line.Text = strings.Join(texts, Sep)
	return line
}

func provider(rows []overview.Row, now time.Time) (Provider, bool) {
	p := Provider{Name: rows[0].Snapshot.Provider, Windows: []Window{}}
	type kind struct{ metric, period string }
	tightest := map[kind]quota.Window{}
	from := map[kind]quota.Snapshot{}
	var order []quota.Window
	for _, r := range rows {
		s := r.Snapshot
		for _, w := range s.Windows {
			if w.Remaining == nil {
				continue // a limit alone says nothing of what is left
			}
			k := kind{w.Metric, w.Period}
			old, ok := tightest[k]
			if !ok {
				order = append(order, quota.Window{Metric: w.Metric, Period: w.Period})
			}
			if !ok || tighter(w, old) {
				tightest[k], from[k] = w, s
			}
		}
		if c := s.Credit; c != nil && c.Remaining != nil && p.Credit == nil {
			p.Credit = credit(s.Key, c, now)
		}
	}
	for _, o := range ui.SortWindows(order) {
		k := kind{o.Metric, o.Period}
		w := window(tightest[k], from[k], now)
		p.Windows = append(p.Windows, w)
		if w.Metric == quota.Requests || (w.PercentLeft >= 0 && w.PercentLeft < lowShare) || w.Remaining <= 0 {
			p.Shown = append(p.Shown, w)
		}
	}
	if len(p.Windows) == 0 && p.Credit == nil {
		return p, false
	}
	if len(p.Shown) == 0 && p.Credit == nil { // no request window: the tightest
		t := p.Windows[0]
		for _, w := range p.Windows[1:] {
			if w.PercentLeft >= 0 && (t.PercentLeft < 0 || w.PercentLeft < t.PercentLeft) {
				t = w
			}
		}
		p.Shown = []Window{t}
	}
	parts := []string{p.Name}
	for _, w := range p.Shown {
		parts = append(parts, w.Text)
	}
	if p.Credit != nil {
		parts = append(parts, p.Credit.Text)
	}
	p.Text = strings.Join(parts, " ")
	return p, true
}

// tighter says whether a has less left than b: by share of its limit when
// both have one, otherwise by what is left.
func tighter(a, b quota.Window) bool {
	if a.Limit != nil && b.Limit != nil && *a.Limit > 0 && *b.Limit > 0 {
		return float64(*a.Remaining)/float64(*a.Limit) < float64(*b.Remaining)/float64(*b.Limit)
	}
	return *a.Remaining < *b.Remaining
}

func window(w quota.Window, s quota.Snapshot, now time.Time) Window {
	out := Window{Label: strings.ToLower(ui.WindowLabel(w)), Metric: w.Metric, Period: w.Period,
		Key: s.Key, Model: s.Model, Remaining: *w.Remaining, Limit: w.Limit, PercentLeft: -1,
		Estimate: w.Source == quota.SourceEstimate, Refilled: w.Source == quota.SourceProjected}
	scale := *w.Remaining
	if w.Limit != nil {
		scale = *w.Limit
		if *w.Limit > 0 {
			out.PercentLeft = int(max(0, *w.Remaining) * 100 / *w.Limit)
		}
	}
	if w.ResetAt != nil && w.ResetAt.After(now) {
		t := w.ResetAt.UTC()
		out.ResetAt = &t
		out.ResetIn = quota.Countdown(w.ResetAt.Sub(now))
	}
	text := ui.Count(*w.Remaining, scale)
	if w.Limit != nil {
		text += "/" + ui.Count(*w.Limit, scale)
	}
	if out.Estimate {
		text = "~" + text
	}
	out.Text = text + out.Label
	return out
}

func credit(key string, c *quota.Credit, now time.Time) *Credit {
	out := &Credit{Key: key, Remaining: *c.Remaining, Unit: c.Unit, Estimate: c.Source == quota.SourceEstimate}
	out.Amount = ui.Amount(*c.Remaining, c.Unit)
	tilde := ""
	if out.Estimate {
		out.Amount, tilde = "~"+out.Amount, "~"
	}
	out.Text = out.Amount
	if c.ExpiresAt != nil {
		t := c.ExpiresAt.UTC()
		out.ExpiresAt = &t
		if left := c.ExpiresAt.Sub(now); left > 0 {
			out.ExpiresIn = quota.Countdown(left)
			out.Text += " exp " + tilde + out.ExpiresIn
		} else {
			out.ExpiresIn = "expired"
			out.Text += " expired"
		}
	}
	return out
}

// Render writes the default line, coloured by th, and a newline; an empty
// line when nothing is known.
func Render(w io.Writer, line Line, now time.Time, th ui.Theme) error {
	parts := make([]string, 0, len(line.Providers))
	for _, p := range line.Providers {
		seg := []string{th.Provider.Render(p.Name)}
		for _, win := range p.Shown {
			low := win.PercentLeft >= 0 && win.PercentLeft*10 < 100
			seg = append(seg, ui.WindowStyle(th, win.Remaining <= 0, low, win.Estimate).Render(win.Text))
		}
		if c := p.Credit; c != nil {
			st := th.OK
			switch {
			case c.Remaining <= 0 || c.ExpiresIn == "expired":
				st = th.Exhausted
			case c.ExpiresAt != nil && c.ExpiresAt.Sub(now) <= expirySoon:
				st = th.Warning
			case c.Estimate:
				st = th.Estimate
			}
			seg = append(seg, st.Render(c.Text))
		}
		parts = append(parts, strings.Join(seg, " "))
	}
	_, err := fmt.Fprintln(w, strings.Join(parts, Sep))
	return err
}

// Parse compiles a --format template. Besides text/template's own
// functions it has join (join LIST SEP) for lists of strings. A name that
// is no field of the line (.Nope, .provider) is an error here, before any
// data: only a template that fails on the data gives the empty line.
func Parse(format string) (*template.Template, error) {
	t, err := template.New("status").Option("missingkey=error").Funcs(template.FuncMap{
		"join": strings.Join,
	}).Parse(format)
	if err != nil {
		return nil, err
	}
	if err := checkFields(t); err != nil {
		return nil, err
	}
	return t, nil
}

// Execute runs t on line and writes its output and, unless it ends in one,
// a newline. Nothing is written when t fails.
func Execute(w io.Writer, t *template.Template, line Line) error {
	var b strings.Builder
	if err := t.Execute(&b, line); err != nil {
		return err
	}
	out := b.String()
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	_, err := io.WriteString(w, out)
	return err
}
