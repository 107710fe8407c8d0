package help

import (
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"a bb ccc", 4, []string{"a bb", "ccc"}},
		{"a bb ccc", 8, []string{"a bb ccc"}},
		{"averylongword b", 4, []string{"averylongword", "b"}},
		{"  spaces   collapse ", 20, []string{"spaces collapse"}},
	}
	for _, tt := range tests {
		got := wrap(tt.in, tt.width)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

// Each exit code's meaning names what a user may see it for, the shared
// state (TIER_SHARED) in required mode included.
func TestExitCodesSayWhatTheyCover(t *testing.T) {
	for code, words := range map[int][]string{
		6: {"5xx", "TIER_SHARED", "required"},
		7: {"budget", "--max-cost"},
	} {
		var meaning string
		for _, e := range ExitCodes {
			if e.Code == code {
				meaning = e.Meaning
			}
		}
		for _, w := range words {
			if !strings.Contains(meaning, w) {
				t.Errorf("exit %d: %q does not say %q", code, meaning, w)
			}
		}
	}
}
