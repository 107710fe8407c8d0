package cli

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/quota"
)

// 'tier help json' documents every member of the snapshot contract, the
// ones added for periods of any length, buckets, budgets and balance parts
// included: a field added to the types without a line here fails.
func TestJSONTopicNamesEveryField(t *testing.T) {
	t.Parallel()
	out, _, code := runTopic(t, nil, "help", "json")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, typ := range []any{quota.Snapshot{}, quota.Window{}, quota.Credit{}, quota.Budget{}} {
		rt := reflect.TypeOf(typ)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			prefix := strings.ToLower(rt.Name()) + "."
			if rt.Name() == "Snapshot" {
				prefix = ""
			}
			if !strings.Contains(out, prefix+name) {
				t.Errorf("'tier help json' does not document %s%s", prefix, name)
			}
		}
	}
	for _, s := range []string{"10-second", "input_tokens", "output_tokens", "month"} {
		if !strings.Contains(out, s) {
			t.Errorf("'tier help json' does not mention %q", s)
		}
	}
}
