package ui

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var ansiSeq = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestTablePlain is the aligned layout, on a terminal wide enough for it.
func TestTablePlain(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		rows    [][]string
		want    string
	}{
		{
			name:    "columns padded to display width, two spaces apart, header upper-cased",
			headers: []string{"provider", "key", "window", "left"},
			rows: [][]string{
				{"sambanova", "…a1b2", "RPM ↻41s", "59/60"},
				{"groq", "…0001", "RPD", "not reported"},
				{"模型", "…", "tok/month", "1"},
			},
			want: "" +
				"PROVIDER   KEY    WINDOW     LEFT\n" +
				"sambanova  …a1b2  RPM ↻41s   59/60\n" +
				"groq       …0001  RPD        not reported\n" +
				"模型       …      tok/month  1\n",
		},
		{
			name:    "headers only",
			headers: []string{"name"},
			want:    "NAME\n",
		},
		{
			name: "nothing at all",
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := FitTable(&buf, tt.headers, tt.rows, false, NewTheme(false), 200); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("Table =\n%s\nwant\n%s", got, tt.want)
			}
			if bytes.IndexByte(buf.Bytes(), 0x1b) >= 0 {
				t.Errorf("plain table contains an ESC byte: %q", buf.String())
			}
		})
	}
}

// A styled table has the same layout as the plain one, plus escape codes,
// even when cells are themselves styled.
func TestTableStyledMatchesPlainLayout(t *testing.T) {
	th := NewTheme(true)
	headers := []string{"provider", "window", "left"}
	styledRows := [][]string{
		{th.Provider.Render("sambanova"), "RPD ↻13h05m", th.Exhausted.Render("0/40")},
		{th.Provider.Render("模型"), "RPM", th.OK.Render("59/60")},
	}
	plainRows := [][]string{
		{"sambanova", "RPD ↻13h05m", "0/40"},
		{"模型", "RPM", "59/60"},
	}

	var styled, plain bytes.Buffer
	if err := FitTable(&styled, headers, styledRows, true, th, 200); err != nil {
		t.Fatal(err)
	}
	if err := FitTable(&plain, headers, plainRows, false, th, 200); err != nil {
		t.Fatal(err)
	}
	if want := th.Header.Render("PROVIDER"); !strings.Contains(styled.String(), want) {
		t.Errorf("styled table %q lacks the bold header %q", styled.String(), want)
	}
	var stripped []string
	for line := range strings.Lines(ansiSeq.ReplaceAllString(styled.String(), "")) {
		stripped = append(stripped, strings.TrimRight(line, " \n")+"\n")
	}
	if got := strings.Join(stripped, ""); got != plain.String() {
		t.Errorf("styled table without escapes =\n%s\nwant the plain layout\n%s", got, plain.String())
	}
}

// wideHeaders and wideRows are `tier quota` after five providers: 170
// columns wide, with an RPH column no provider reports.
var (
	wideHeaders = []string{"provider", "key", "model", "RPM", "RPH", "RPD", "TPM", "TPD", "credit", "expires", "seen"}
	wideRows    = [][]string{
		{"sambanova", "default", "Meta-Llama-3.3-70B-Instruct", "59/60 ↻41s", "-", "49/50 ↻13h05m", "-", "-", "~$4.98 of $5 (est.)", "in 89d", "2m ago"},
		{"groq", "default", "llama-3.1-8b-instant", "-", "-", "14399/14400 ↻2m59s", "5900/6000 ↻1s", "-", "-", "-", "5m00s ago"},
		{"cerebras", "work", "gpt-oss-120b", "29/30 ↻10s", "-", "14370/14400 ↻9h", "59000/60000 ↻11s", "999K/1M ↻9h", "-", "-", "1h ago"},
		{"openrouter", "default", "deepseek/deepseek-chat-v3.1:free", "19/20 ↻50s", "-", "49/50 ↻12h", "-", "-", "$9.50 of $10", "-", "3d ago"},
		{"demo", "default", "demo-echo-1", "9/10 ↻41s", "-", "49/50 ↻13h05m", "-", "-", "~$5.00 of $5 (est.)", "in 90d", "now"},
	}
)

// TestTableFitsTheTerminal: on a terminal, a table never runs past the
// width: first the columns that are "-" in every row go, then the widest
// cells are cut (with "…"), and when even that cannot fit, each row
// becomes a block of "HEADER  value" lines. A table that fits is left as
// it is.
func TestTableFitsTheTerminal(t *testing.T) {
	natural := func() string {
		var b bytes.Buffer
		if err := FitTable(&b, wideHeaders, wideRows, false, NewTheme(false), 1000); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}()
	naturalWidth := 0
	for line := range strings.Lines(natural) {
		naturalWidth = max(naturalWidth, displayWidth(strings.TrimRight(line, "\n")))
	}
	tests := []struct {
		width   int
		layout  string // "natural", "cut" or "blocks"
		lacks   []string
		holds   []string
		styled  bool
		headers []string
	}{
		{width: naturalWidth, layout: "natural", holds: []string{"RPH", "deepseek/deepseek-chat-v3.1:free", "14399/14400 ↻2m59s"}},
		// Cells of several words stack ("↻2m59s" under "14399/14400"); one
		// long word is cut with "…".
		{width: 120, layout: "cut", lacks: []string{"RPH"}, holds: []string{"PROVIDER", "sambanova", "↻2m59s", "…"}},
		{width: 120, layout: "cut", styled: true, lacks: []string{"RPH"}, holds: []string{"PROVIDER", "sambanova", "↻2m59s", "…"}},
		{width: 80, layout: "blocks", lacks: []string{"RPH"}, holds: []string{"sambanova", "14399/14400 ↻2m59s", "deepseek/deepseek-chat-v3.1:free"}},
		{width: 60, layout: "blocks", lacks: []string{"RPH"}, holds: []string{"sambanova", "14399/14400 ↻2m59s", "~$4.98 of $5 (est.)"}},
		{width: 60, layout: "blocks", styled: true, lacks: []string{"RPH"}, holds: []string{"cerebras", "999K/1M ↻9h"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d columns, styled %v", tt.width, tt.styled), func(t *testing.T) {
			var buf bytes.Buffer
			if err := FitTable(&buf, wideHeaders, wideRows, tt.styled, NewTheme(tt.styled), tt.width); err != nil {
				t.Fatal(err)
			}
			out := ansiSeq.ReplaceAllString(buf.String(), "")
			if (buf.String() != out) != tt.styled {
				t.Errorf("escape codes present: %v, want %v", buf.String() != out, tt.styled)
			}
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			for _, l := range lines {
				if w := displayWidth(l); w > tt.width {
					t.Errorf("line is %d columns, wider than %d: %q", w, tt.width, l)
				}
			}
			switch tt.layout {
			case "natural":
				if out != natural && !tt.styled {
					t.Errorf("a table that fits changed:\n%s\nwant\n%s", out, natural)
				}
			case "cut":
				// A row's cells of several words stack onto lines that
				// start blank, under the first column.
				var starts []string
				for _, l := range lines[1:] {
					if !strings.HasPrefix(l, " ") {
						starts = append(starts, l)
					}
				}
				if len(starts) != len(wideRows) {
					t.Errorf("%d rows, want %d:\n%s", len(starts), len(wideRows), out)
				}
				for i, l := range starts {
					if i < len(wideRows) && !strings.HasPrefix(l, wideRows[i][0]+" ") {
						t.Errorf("row %d does not start with its provider: %q", i, l)
					}
				}
				for _, l := range lines {
					if strings.HasSuffix(l, " ") && !tt.styled {
						t.Errorf("trailing blanks: %q", l)
					}
				}
			case "blocks":
				if n := strings.Count(out, "PROVIDER"); n != len(wideRows) {
					t.Errorf("%d blocks, want one a row:\n%s", n, out)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(out, s) {
					t.Errorf("output holds %q, want it dropped:\n%s", s, out)
				}
			}
			for _, s := range tt.holds {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}
}

// TestTableInAPipe: off a terminal a table is complete and machine-friendly
// whatever its width (gh's rule): one line a row, cells separated by a
// tab, nothing cut or dropped, no escape codes; a tab or newline inside a
// cell becomes a space so it cannot break the layout.
func TestTableInAPipe(t *testing.T) {
	var buf bytes.Buffer
	rows := append(wideRows[:len(wideRows):len(wideRows)], []string{"odd\tname", "a\nb", "m", "-", "-", "-", "-", "-", "-", "-", "never"})
	if err := Table(&buf, wideHeaders, rows, false, NewTheme(false)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 1+len(rows) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), 1+len(rows), buf.String())
	}
	if want := "PROVIDER\tKEY\tMODEL\tRPM\tRPH\tRPD\tTPM\tTPD\tCREDIT\tEXPIRES\tSEEN"; lines[0] != want {
		t.Errorf("header %q, want %q", lines[0], want)
	}
	for i, row := range rows {
		want := make([]string, len(row))
		for j, c := range row {
			want[j] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
		}
		if got := lines[1+i]; got != strings.Join(want, "\t") {
			t.Errorf("row %d = %q, want %q", i, got, strings.Join(want, "\t"))
		}
	}
	if strings.Contains(buf.String(), "…") || bytes.IndexByte(buf.Bytes(), 0x1b) >= 0 {
		t.Errorf("a piped table is cut or styled:\n%s", buf.String())
	}
}
