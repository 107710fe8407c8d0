package catalog

import (
	"fmt"
	"sort"
	"strings"
)

// Error is a configuration error: something wrong in a providers.yaml (the
// built-in one or the user's), or a provider that cannot be used as asked.
// The CLI maps it to exit code 2.
type Error struct {
	File     string // the file as shown to the user ("~/.config/tier/providers.yaml"); empty when none
	Line     int    // 1-based; 0 when unknown
	Provider string // the provider the error is about, when there is one
	// Msg is the whole message after the location. It already names the
	// provider where that helps, so Error() does not repeat Provider.
	Msg string
}

func (e *Error) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	case e.File != "":
		return e.File + ": " + e.Msg
	}
	return e.Msg
}

// closest returns the choice nearest to s when it is near enough to be a
// likely typo (or s is a prefix of exactly one choice), else "".
func closest(s string, choices []string) string {
	ls := strings.ToLower(s)
	maxd := 3
	switch n := len([]rune(ls)); {
	case n <= 4:
		maxd = 1
	case n <= 8:
		maxd = 2
	}
	sorted := append([]string(nil), choices...)
	sort.Strings(sorted)
	best, bestd := "", maxd+1
	for _, c := range sorted {
		if d := distance(ls, strings.ToLower(c)); d < bestd {
			best, bestd = c, d
		}
	}
	if best != "" {
		return best
	}
	if len(ls) >= 3 {
		var prefixed []string
		for _, c := range sorted {
			if strings.HasPrefix(strings.ToLower(c), ls) {
				prefixed = append(prefixed, c)
			}
		}
		if len(prefixed) == 1 {
			return prefixed[0]
		}
	}
	return ""
}

// distance is the optimal-string-alignment edit distance: insertions,
// deletions, substitutions and swaps of two neighbours each cost 1.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// quoteList renders names as `"a", "b"` for messages.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
