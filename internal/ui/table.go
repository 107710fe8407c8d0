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
func plainTable(w io.Writer, headers []string, rows [][]string) error {
	all := append([][]string{headers}, rows...)
	var widths []int
	for _, r := range all {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], lipgloss.Width(c))
		}
	}
	var b strings.Builder
	for _, r := range all {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-lipgloss.Width(c)+colGap))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
