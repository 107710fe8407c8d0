package ui

import (
	"fmt"
	"io"
	"strings"

	"charm.land/lipgloss/v2"
	"charm.land/lipgloss/v2/table"
)

// colGap is the space between columns, as in gh's lists.
const colGap = 2

// Table writes rows under upper-case headers, in aligned columns with no
// borders (the look of gh's lists). When styled, it is a lipgloss table with
// a bold header and cells may hold styled text; otherwise it is plain text
// with no escape codes, for pipes and scripts. Widths are display widths,
// so "↻", "…" and wide (CJK) characters line up.
func Table(w io.Writer, headers []string, rows [][]string, styled bool, th Theme) error {
	heads := make([]string, len(headers))
	for i, h := range headers {
		heads[i] = strings.ToUpper(h)
	}
	if len(heads) == 0 && len(rows) == 0 {
		return nil
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

// plainTable aligns columns by padding each cell to its column's display
// width; the last column is not padded, so lines carry no trailing blanks.
// Each cell is measured once.
func plainTable(w io.Writer, headers []string, rows [][]string) error {
	all := append([][]string{headers}, rows...)
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
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
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
