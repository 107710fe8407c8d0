package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func TestQuotaFormatPrometheus(t *testing.T) {
	t.Parallel()
	_, env := statusWorld(t)
	out, errs, code := runEnv(env, "quota", "--format", "prometheus")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	golden := filepath.Join("testdata", "quota.prom.golden")
	if os.Getenv("TIER_UPDATE_GOLDEN") == "1" {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(golden, []byte(out), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (TIER_UPDATE_GOLDEN=1 go test -run TestQuotaFormatPrometheus ./internal/cli/ writes it)", err)
	}
	if out != string(want) {
		t.Errorf("differs from %s:\n%s", golden, out)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader([]byte(out)))
	if err != nil || fams["tier_window_remaining"] == nil || fams["tier_credit_remaining"] == nil {
		t.Errorf("the parser read %d families: %v", len(fams), err)
	}
	for _, args := range [][]string{{"quota", "--format", "xml"}, {"quota", "--format", "prometheus", "--json"}} {
		if _, errs, code := runEnv(env, args...); code != ExitUsage || errs == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, errs)
		}
	}
}
