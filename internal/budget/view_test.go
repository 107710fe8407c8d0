package budget

import (
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/catalog"
)

func TestSetText(t *testing.T) {
	b := catalog.Budget{Name: "ci", Limit: 2.5, Unit: "USD", Period: "day", Mode: "hard", Provider: "groq", Key: "ci"}
	got := SetText(b, "added")
	if want := "budget ci added: 2.5 USD a day (hard), "; !strings.HasPrefix(got, want) {
		t.Errorf("SetText = %q, want it to begin %q", got, want)
	}
	if !strings.HasSuffix(got, Describe(b)) {
		t.Errorf("SetText = %q, want it to end with the scope %q", got, Describe(b))
	}
}
