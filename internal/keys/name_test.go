package keys

import (
	"regexp"
	"strings"
	"testing"
)

// ValidName is the regexp it replaced, written out: they agree on every
// kind of name.
func TestValidNameMatchesItsPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	names := []string{
		"", "default", "ci", "CI-2", "a", "0", "a_b-c", "-a", "_a", "a b", "a/b", "a:b", "ключ", "a\n",
		strings.Repeat("a", 64), strings.Repeat("a", 65), "a" + strings.Repeat("-", 63), "previous~",
	}
	for _, n := range names {
		if got, want := ValidName(n), pattern.MatchString(n); got != want {
			t.Errorf("ValidName(%q) = %v, the pattern says %v", n, got, want)
		}
	}
}
