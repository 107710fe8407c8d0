package ui

import (
	"charm.land/lipgloss/v2"
)

// Style renders text in one style, or returns it unchanged when colour is off.
// lipgloss styles always emit ANSI codes (and rewrite tabs and multi-line
// text), so a disabled Style bypasses lipgloss entirely.
type Style struct {
	style lipgloss.Style
	on    bool
}

// Render returns s in this style.
func (st Style) Render(s string) string {
	if !st.on || s == "" {
		return s
	}
	return st.style.Render(s)
}

// Theme is the set of styles tier uses. Colours are the 16 basic ANSI ones,
// so the user's terminal palette decides the exact shade. The zero Theme is
// plain.
type Theme struct {
	OK        Style // a window or credit with room left
	Low       Style // under 10% left
	Exhausted Style // nothing left
	Estimate  Style // an estimated or projected figure (dim)
	Warning   Style // credit about to expire, warnings
	Header    Style // table headers
	Provider  Style // provider names
	color     bool
}

// NewTheme returns the coloured theme, or a plain one whose styles emit no
// escape codes at all when color is false.
func NewTheme(color bool) Theme {
	st := func(s lipgloss.Style) Style { return Style{style: s, on: color} }
	base := lipgloss.NewStyle()
	return Theme{
		OK:        st(base.Foreground(lipgloss.Green)),
		Low:       st(base.Foreground(lipgloss.Yellow)),
		Exhausted: st(base.Foreground(lipgloss.Red).Bold(true)),
		Estimate:  st(base.Faint(true)),
		Warning:   st(base.Foreground(lipgloss.Yellow).Bold(true)),
		Header:    st(base.Bold(true)),
		Provider:  st(base.Foreground(lipgloss.Cyan).Bold(true)),
		color:     color,
	}
}

// Color reports whether the theme emits colour.
func (th Theme) Color() bool { return th.color }
