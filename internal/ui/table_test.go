package ui

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

var ansiSeq = regexp.MustCompile("\x1b\\[[0-9;]*m")

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
			if err := Table(&buf, tt.headers, tt.rows, false, NewTheme(false)); err != nil {
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
	if err := Table(&styled, headers, styledRows, true, th); err != nil {
		t.Fatal(err)
	}
	if err := Table(&plain, headers, plainRows, false, th); err != nil {
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
