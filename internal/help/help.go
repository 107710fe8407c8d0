// Package help owns the text of tier's help topics (tier help environment,
// exit-codes, json), built from data so that it cannot go stale: terms and
// their descriptions in groups, laid out for a terminal (Text) or as
// markdown for the man page (Markdown); and the long help of commands
// whose text is reference (chat, batch, quota, models, status, usage,
// keys, keys set, pools). It knows nothing of cobra.
package help

import (
	"fmt"
	"strings"
)

// Entry is one term and its description in a help topic.
type Entry struct {
	Term, Desc string
}

// Group is a titled list of entries, with an optional lead paragraph.
type Group struct {
	Title   string
	Lead    string
	Entries []Entry
}

const helpWidth = 80

// Text lays groups out for a terminal: a title, then each term with
// its description wrapped beside it.
func Text(title string, groups []Group) string {
	var b strings.Builder
	b.WriteString(title + "\n")
	termWidth := 0
	for _, g := range groups {
		for _, e := range g.Entries {
			termWidth = max(termWidth, len(e.Term))
		}
	}
	indent := 2 + termWidth + 2
	for _, g := range groups {
		b.WriteString("\n")
		if g.Title != "" {
			b.WriteString(g.Title + ":\n")
		}
		if g.Lead != "" {
			for _, l := range wrap(g.Lead, helpWidth-2) {
				b.WriteString("  " + l + "\n")
			}
			if len(g.Entries) > 0 {
				b.WriteString("\n")
			}
		}
		for _, e := range g.Entries {
			lines := wrap(e.Desc, helpWidth-indent)
			fmt.Fprintf(&b, "  %-*s  %s\n", termWidth, e.Term, lines[0])
			for _, l := range lines[1:] {
				b.WriteString(strings.Repeat(" ", indent) + l + "\n")
			}
		}
	}
	return b.String()
}

// Markdown lays groups out as markdown for go-md2man: group titles
// are level-3 headings (.SS), entries definition lists (.TP). The caller
// puts it under a section heading (.SH).
func Markdown(groups []Group) string {
	var b strings.Builder
	for _, g := range groups {
		if g.Title != "" {
			b.WriteString("### " + g.Title + "\n\n")
		}
		if g.Lead != "" {
			b.WriteString(mdEscape(g.Lead) + "\n\n")
		}
		for _, e := range g.Entries {
			fmt.Fprintf(&b, "**%s**\n: %s\n\n", mdEscape(e.Term), mdEscape(e.Desc))
		}
	}
	return b.String()
}

// mdEscape keeps markdown from reading our plain text as markup.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`)
	return r.Replace(s)
}

// wrap breaks s into lines of at most width characters (longer words stand
// alone on their line).
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	return append(lines, line)
}
