package version

import (
	"strings"
	"testing"
)

func TestCurrent(t *testing.T) {
	v := Current()
	if v.Version == "" || v.Commit == "" || v.Date == "" || !strings.HasPrefix(v.Go, "go") {
		t.Errorf("incomplete: %+v", v)
	}
	if len(v.Commit) > 12 {
		t.Errorf("commit not shortened: %q", v.Commit)
	}
	if want := v.Version + " (commit " + v.Commit + ", built " + v.Date + ")"; String() != want {
		t.Errorf("String() = %q, want %q", String(), want)
	}
	if Short() != "dev" {
		t.Errorf("Short() without -ldflags = %q, want dev", Short())
	}
}
