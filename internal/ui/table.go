package ui

import (
	"fmt"
	"github.com/tier-cli/tier/internal/lazyre"
	"io"
	"strings"

	"charm.land/lipgloss/v2"
	"charm.land/lipgloss/v2/table"
	"github.com/charmbracelet/x/ansi"
	"golang.org/x/term"
)

// colGap is the space between columns, as in gh's lists.
const colGap = 2

// Table writes rows under upper-case headers. On a terminal the columns
// are aligned with no borders (the look of gh's lists) and fitted to the
// terminal's width (FitTable); elsewhere (a pipe, a file) it is
// machine-friendly as gh's are: one line a row, cells separated by tabs,
// nothing cut. When styled, it is a lipgloss table with a bold header and
// cells may hold styled text; otherwise it is plain text with no escape
// codes. Widths are display widths, so "↻", "…" and wide (CJK) characters
// line up.
func Table(w io.Writer, headers []string, rows [][]string, styled bool, th Theme) error {
	return FitTable(w, headers, rows, styled, th, TerminalWidth(w))
}

// TerminalWidth is the width in columns of the terminal w writes to, or 0
// when w is not a terminal or its size is not known.
func TerminalWidth(w io.Writer) int {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil || cols <= 0 {
		return 0
	}
	return cols
}

// FitTable is Table for a terminal width columns wide; 0 means no
// terminal: tab-separated, unless styled (CLICOLOR_FORCE in a pipe), which
// is aligned and not fitted. A table wider than width loses the columns
// that are "-" (or empty) in every row, then has its widest cells cut to
// a common width with "…" (not the first column: what a row is about);
// when that would leave a column narrower than minCell, each row is
// written as a block of "HEADER  value" lines instead.
func FitTable(w io.Writer, headers []string, rows [][]string, styled bool, th Theme, width int) error {
	heads := make([]string, len(headers))
	for i, h := range headers {
		heads[i] = strings.ToUpper(h)
	}
	if len(heads) == 0 && len(rows) == 0 {
		return nil
	}
	if width <= 0 && !styled {
		return tsvTable(w, heads, rows)
	}
	if width > 0 {
		var blocks bool
		heads, rows, blocks = fit(heads, rows, width)
		if blocks {
			return blockTable(w, heads, rows, width, styled, th)
		}
	}
	if !styled {
		return plainTable(w, heads, rows)
	}
	t := table.New().
		Headers(heads...).
		Rows(rows...).
		BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false).
		BorderHeader(false).BorderColumn(false).BorderRow(false).
		StyleFunc(func(row, col int) lipgloss.Style {
			s := lipgloss.NewStyle()
			if row == table.HeaderRow && th.Header.on {
				s = th.Header.style
			}
			if col < len(heads)-1 {
				s = s.PaddingRight(colGap)
			}
			return s
		})
	_, err := fmt.Fprintln(w, t.String())
	return err
}

// minCell is the narrowest a cut column may be: narrower, a table becomes
// blocks.
const minCell = 8

// fit drops and cuts columns so that the aligned table is at most width
// columns wide; blocks reports that it cannot be, even cut.
func fit(heads []string, rows [][]string, width int) ([]string, [][]string, bool) {
	widths := columnWidths(heads, rows)
	if tableWidth(widths) <= width {
		return heads, rows, false
	}
	// Columns with nothing to say go first.
	var keep []int
	for i := range widths {
		empty := len(rows) > 0
		for _, r := range rows {
			if i < len(r) {
				if c := ansi.Strip(r[i]); c != "-" && c != "" {
					empty = false
					break
				}
			}
		}
		if !empty {
			keep = append(keep, i)
		}
	}
	if len(keep) < len(widths) {
		pick := func(row []string) []string {
			out := make([]string, 0, len(keep))
			for _, i := range keep {
				if i < len(row) {
					out = append(out, row[i])
				}
			}
			return out
		}
		heads = pick(heads)
		cut := make([][]string, len(rows))
		for r, row := range rows {
			cut[r] = pick(row)
		}
		rows = cut
		widths = columnWidths(heads, rows)
		if tableWidth(widths) <= width {
			return heads, rows, false
		}
	}
	// Then the widest columns are cut to a common cap, as wide as fits;
	// never the first column (what the row is about) of several.
	capped := func(c, from int) int {
		sum := colGap * (len(widths) - 1)
		for i, w := range widths {
			if i < from {
				sum += w
			} else {
				sum += min(w, c)
			}
		}
		return sum
	}
	from := 1
	if len(widths) == 1 {
		from = 0
	}
	if capped(minCell, from) > width {
		return heads, rows, true
	}
	c := minCell
	for capped(c+1, from) <= width && c < width {
		c++
	}
	spare := width - capped(c, from) // one more column for the first cut ones
	limits := make([]int, len(widths))
	for i, w := range widths {
		limits[i] = w
		if i >= from {
			limits[i] = min(w, c)
		}
		if limits[i] < w && spare > 0 {
			limits[i]++
			spare--
		}
	}
	heads = cutCells(heads, limits)
	out := make([][]string, len(rows))
	for r, row := range rows {
		out[r] = make([]string, len(row))
		for i, c := range row {
			out[r][i] = c
			if i < len(limits) {
				out[r][i] = stackCell(c, limits[i], maxStack)
			}
		}
	}
	return heads, out, false
}

// maxStack is how many lines a cut cell of several words may take.
const maxStack = 3

// reStyledCell is a cell styled as a whole (what Style.Render makes).
var reStyledCell = lazyre.New(`^(\x1b\[[0-9;]*m)([^\x1b]*)(\x1b\[0?m)$`)

// stackCell fits c into limit columns: a cell of several words is wrapped
// onto at most lines lines (0: as many as it needs), the last one cut
// with "…" if it must be; a single word is cut. A styled cell keeps its
// style on every line.
func stackCell(c string, limit, lines int) string {
	if displayWidth(c) <= limit {
		return c
	}
	pre, text, post := "", c, ""
	if strings.Contains(c, "\x1b") {
		m := reStyledCell().FindStringSubmatch(c)
		if m == nil {
			return ansi.Truncate(c, limit, "…")
		}
		pre, text, post = m[1], m[2], m[3]
	}
	if !strings.Contains(strings.TrimSpace(text), " ") {
		return ansi.Truncate(c, limit, "…")
	}
	out := strings.Split(ansi.Wrap(text, limit, ""), "\n")
	if lines > 0 && len(out) > lines {
		rest := strings.Join(out[lines-1:], " ")
		out = append(out[:lines-1], ansi.Truncate(rest, limit, "…"))
	}
	for i, l := range out {
		out[i] = pre + strings.TrimRight(l, " ") + post
	}
	return strings.Join(out, "\n")
}

// cutCells cuts each cell to its column's limit, ending it with "…".
func cutCells(row []string, limits []int) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = c
		if i < len(limits) && displayWidth(c) > limits[i] {
			out[i] = ansi.Truncate(c, limits[i], "…")
		}
	}
	return out
}

func columnWidths(heads []string, rows [][]string) []int {
	widths := make([]int, len(heads))
	for _, row := range append([][]string{heads}, rows...) {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	return widths
}

func tableWidth(widths []int) int {
	sum := 0
	for _, w := range widths {
		sum += w
	}
	return sum + colGap*max(len(widths)-1, 0)
}

// blockTable writes each row as lines of "HEADER  value", a blank line
// between rows, long values wrapped under themselves (a single word too
// long for the width is cut).
func blockTable(w io.Writer, heads []string, rows [][]string, width int, styled bool, th Theme) error {
	label := 0
	for _, h := range heads {
		label = max(label, displayWidth(h))
	}
	room := max(width-label-colGap, 1)
	var b strings.Builder
	for r, row := range rows {
		if r > 0 {
			b.WriteByte('\n')
		}
		for i, c := range row {
			h := ""
			if i < len(heads) {
				h = heads[i]
			}
			pad := strings.Repeat(" ", label-displayWidth(h)+colGap)
			if styled && th.Header.on {
				h = th.Header.style.Render(h)
			}
			indent := strings.Repeat(" ", label+colGap)
			c = strings.ReplaceAll(stackCell(c, room, 0), "\n", "\n"+indent)
			b.WriteString(h + pad + c + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tsvTable writes one line a row, cells separated by tabs; a tab or a line
// break inside a cell becomes a space.
func tsvTable(w io.Writer, heads []string, rows [][]string) error {
	clean := strings.NewReplacer("\t", " ", "\r\n", " ", "\n", " ", "\r", " ")
	var b strings.Builder
	for _, row := range append([][]string{heads}, rows...) {
		for i, c := range row {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(clean.Replace(c))
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// plainTable aligns columns by padding each cell to its column's display
// width; the last column is not padded, so lines carry no trailing blanks.
// Each cell is measured once.
func plainTable(w io.Writer, headers []string, rows [][]string) error {
	all, more := physicalRows(append([][]string{headers}, rows...))
	cellWidths := make([][]int, len(all))
	var widths []int
	size := 0
	for r, row := range all {
		cellWidths[r] = make([]int, len(row))
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			cw := displayWidth(c)
			cellWidths[r][i] = cw
			widths[i] = max(widths[i], cw)
			size += len(c) + colGap
		}
	}
	var b strings.Builder
	b.Grow(size + len(all)*(colGap*len(widths)+1))
	for r, row := range all {
		last := len(row) - 1
		if more[r] { // a further line of a row: its last cells may be empty
			for last > 0 && row[last] == "" {
				last--
			}
		}
		for i, c := range row[:last+1] {
			b.WriteString(c)
			if i < last {
				for n := widths[i] - cellWidths[r][i] + colGap; n > 0; n-- {
					b.WriteByte(' ')
				}
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// physicalRows splits rows whose cells hold several lines into one row a
// line; more marks the rows that continue the one before.
func physicalRows(rows [][]string) ([][]string, []bool) {
	multi := false
	for _, row := range rows {
		for _, c := range row {
			if strings.Contains(c, "\n") {
				multi = true
			}
		}
	}
	if !multi {
		return rows, make([]bool, len(rows))
	}
	var out [][]string
	var more []bool
	for _, row := range rows {
		cells := make([][]string, len(row))
		height := 1
		for i, c := range row {
			cells[i] = strings.Split(c, "\n")
			height = max(height, len(cells[i]))
		}
		for l := 0; l < height; l++ {
			line := make([]string, len(row))
			for i := range row {
				if l < len(cells[i]) {
					line[i] = cells[i][l]
				}
			}
			out = append(out, line)
			more = append(more, l > 0)
		}
	}
	return out, more
}

// displayWidth is lipgloss.Width with a fast path for printable ASCII, which
// most cells are.
func displayWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return lipgloss.Width(s)
		}
	}
	return len(s)
}
