package status

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/ui"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func i64(v int64) *int64            { return &v }
func f64(v float64) *float64        { return &v }
func at(d time.Duration) *time.Time { t := now.Add(d); return &t }

// sampleRows: groq with two models (the tighter figure wins), deepseek with
// a balance that expires, gemini with estimates only, anthropic with a
// limit and no remaining (left out), and a token window nearly used up.
func sampleRows() []overview.Row {
	return []overview.Row{
		{Snapshot: quota.Snapshot{Provider: "deepseek", Key: "default", Credit: &quota.Credit{Remaining: f64(4.2), Unit: "USD", ExpiresAt: at(12 * 24 * time.Hour), Source: quota.SourceBalance}}},
		{Snapshot: quota.Snapshot{Provider: "gemini", Key: "default", Model: "gemini-2.5-flash", Windows: []quota.Window{
			{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i64(250), Remaining: i64(240), ResetAt: at(8 * time.Hour), Source: quota.SourceEstimate},
		}}},
		{Snapshot: quota.Snapshot{Provider: "groq", Key: "default", Model: "llama-3.1-8b-instant", Windows: []quota.Window{
			{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: i64(30), Remaining: i64(29), ResetAt: at(2 * time.Second), Source: quota.SourceHeader},
			{Metric: quota.Requests, Period: quota.PeriodDay, Limit: i64(1000), Remaining: i64(880), ResetAt: at(5 * time.Hour), Source: quota.SourceHeader},
			{Metric: quota.Tokens, Period: quota.PeriodMinute, Limit: i64(6000), Remaining: i64(500), ResetAt: at(30 * time.Second), Source: quota.SourceHeader},
		}}},
		{Snapshot: quota.Snapshot{Provider: "groq", Key: "work", Model: "llama-3.3-70b-versatile", Windows: []quota.Window{
			{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: i64(30), Remaining: i64(9), ResetAt: at(41 * time.Second), Source: quota.SourceHeader},
			{Metric: quota.Tokens, Period: quota.PeriodDay, Limit: i64(100000), Remaining: i64(99000), Source: quota.SourceHeader},
		}}},
		{Snapshot: quota.Snapshot{Provider: "anthropic", Key: "default", Model: "claude", Windows: []quota.Window{
			{Metric: quota.Requests, Period: quota.PeriodMinute, Limit: i64(50), Source: quota.SourceLearned},
		}}},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/status/ -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got: %s\nwant: %s", name, got, want)
	}
}

func TestLineGolden(t *testing.T) {
	line := Build(sampleRows(), now)
	var b bytes.Buffer
	if err := Render(&b, line, now, ui.NewTheme(false)); err != nil {
		t.Fatal(err)
	}
	golden(t, "line.golden", b.Bytes())
	if got := strings.TrimSuffix(b.String(), "\n"); got != line.Text {
		t.Errorf("the plain line %q is not .Text %q", got, line.Text)
	}
	if strings.Contains(b.String(), "anthropic") {
		t.Error("a provider with only a limit and nothing left known is on the line")
	}
}

func TestLineColourOnlyWhenAsked(t *testing.T) {
	line := Build(sampleRows(), now)
	var plain, colour bytes.Buffer
	Render(&plain, line, now, ui.NewTheme(false))
	Render(&colour, line, now, ui.NewTheme(true))
	if strings.Contains(plain.String(), "\x1b[") {
		t.Errorf("plain line has escape codes: %q", plain.String())
	}
	if !strings.Contains(colour.String(), "\x1b[") {
		t.Errorf("coloured line has none: %q", colour.String())
	}
}

func TestJSONGolden(t *testing.T) {
	b, err := json.MarshalIndent(Build(sampleRows(), now), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "line.json.golden", append(b, '\n'))
}

func TestTemplateGolden(t *testing.T) {
	tmpl, err := Parse(`{{range $i, $p := .Providers}}{{if $i}} | {{end}}{{$p.Name}}{{range $p.Windows}} {{.Label}}={{.Remaining}}{{with .Limit}}/{{.}}{{end}}{{if .ResetIn}}@{{.ResetIn}}{{end}}{{end}}{{with $p.Credit}} credit={{.Amount}}{{if .ExpiresIn}}({{.ExpiresIn}}){{end}}{{end}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Execute(&b, tmpl, Build(sampleRows(), now)); err != nil {
		t.Fatal(err)
	}
	golden(t, "template.golden", b.Bytes())
}

func TestNothingKnownIsAnEmptyLine(t *testing.T) {
	line := Build(nil, now)
	var b bytes.Buffer
	Render(&b, line, now, ui.NewTheme(true))
	if b.String() != "\n" || line.Text != "" || line.Providers == nil {
		t.Errorf("got %q, %+v", b.String(), line)
	}
}

func TestBadTemplate(t *testing.T) {
	if _, err := Parse("{{.Nope"); err == nil {
		t.Error("an unclosed action parsed")
	}
	// A name no field of the line has is refused before any data: such a
	// template could only ever print the empty line.
	for _, c := range []struct{ format, says string }{
		{"{{.Nope}}", "no field .Nope in the line (the line has .Providers, .Text;"},
		{"{{range .Providers}}{{.provider}}{{end}}", "no field .provider in the line: did you mean .Name?"},
		{"{{range .Providers}}{{range .Windows}}{{.percent_left}}{{end}}{{end}}", "did you mean .PercentLeft?"},
		{"{{with index .Providers 0}}{{.Credit.Amout}}{{end}}", "no field .Amout"},
		{"{{range $p := .Providers}}{{$p.Nam}}{{end}}", "no field .Nam"},
		{"{{(index .Providers 0).Windowz}}", "no field .Windowz"},
		{"{{define \"x\"}}{{.Bad}}{{end}}{{template \"x\" .}}", "no field .Bad"},
		// A field of another level: refused too, saying where it is.
		{"{{.Name}}", "no field .Name where it is used: the dot there is the line, and .Name is a field of a provider (of .Providers)"},
		{"{{range .Providers}}{{.Remaining}}{{end}}", "the dot there is a provider (of .Providers), and .Remaining is a field of a window (of .Windows) and a credit (.Credit)"},
		{"{{range .Providers}}{{with .Credit}}{{.Label}}{{end}}{{end}}", "the dot there is a credit (.Credit), and .Label is a field of a window"},
	} {
		if _, err := Parse(c.format); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want an error saying %q", c.format, err, c.says)
		}
	}
	// Every field, method and function a template may use parses.
	for _, format := range []string{
		"{{.Text}}{{range .Providers}}{{.Name}}{{.Text}}{{range .Shown}}{{.Label}}{{end}}{{end}}",
		"{{range .Providers}}{{range .Windows}}{{.Metric}}{{.Period}}{{.Key}}{{.Model}}{{.Remaining}}{{with .Limit}}{{.}}{{end}}{{.PercentLeft}}{{with .ResetAt}}{{.Unix}}{{.Local.Format \"15:04\"}}{{end}}{{.ResetIn}}{{.Estimate}}{{.Refilled}}{{.Text}}{{end}}{{end}}",
		"{{range .Providers}}{{with .Credit}}{{.Amount}}{{.Remaining}}{{.Unit}}{{.Key}}{{.Estimate}}{{.ExpiresAt}}{{.ExpiresIn}}{{.Text}}{{end}}{{end}}",
		"{{with index .Providers 0}}{{with .Credit}}{{.Amount}}{{end}}{{end}}",
		"{{(index .Providers 0).Name}}",
		"{{(index .Providers 7).Name}}", // fails on the data only
		"{{range .Providers}}{{.Credit.Amount}}{{end}}",
		"{{range $p := .Providers}}{{range .Windows}}{{$p.Name}}{{$.Text}}{{.Text}}{{end}}{{end}}",
	} {
		if _, err := Parse(format); err != nil {
			t.Errorf("%s: %v", format, err)
		}
	}
	// A template that fails on the data fails when run, writing nothing.
	tmpl, err := Parse("{{(index .Providers 9).Name}}")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Execute(&b, tmpl, Build(sampleRows(), now)); err == nil || b.Len() != 0 {
		t.Errorf("an index past the providers: err %v, wrote %q", err, b.String())
	}
}

func TestSnippetsKnown(t *testing.T) {
	for _, tool := range []string{"tmux", "starship", "bash", "zsh", "vim"} {
		if s, ok := Snippet(tool); !ok || !strings.Contains(s, "tier status") {
			t.Errorf("%s: %q", tool, s)
		}
	}
}

func TestTokensOnlyShowsTheTightest(t *testing.T) {
	rows := []overview.Row{{Snapshot: quota.Snapshot{Provider: "fireworks", Key: "default", Model: "m", Windows: []quota.Window{
		{Metric: quota.Tokens, Period: quota.PeriodMinute, Limit: i64(1000), Remaining: i64(900), Source: quota.SourceHeader},
		{Metric: "generated_tokens", Period: quota.PeriodMinute, Limit: i64(1000), Remaining: i64(300), Source: quota.SourceHeader},
	}}}}
	if got := Build(rows, now).Text; got != "fireworks 300/1000generated_tokens/minute" {
		t.Errorf("%q", got)
	}
}
