package overview

import (
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

func TestParseRequirements(t *testing.T) {
	tests := []struct {
		spec    string
		want    string // name:metric/period>=min, ...
		wantErr string
	}{
		{"rpd=20,credit=0.50", "rpd:requests/day>=20 credit:/>=0.5", ""},
		{" RPM = 5 , tpd=1000", "rpm:requests/minute>=5 tpd:tokens/day>=1000", ""},
		{"neurons/day=100", "neurons/day:neurons/day>=100", ""},
		{"credit=$1", "credit:/>=1USD", ""},
		{"credit=5USD", "credit:/>=5USD", ""},
		{"credit=1000000 tokens", "credit:/>=1000000tokens", ""},
		{"credit=5USD$", "", "not an amount"},
		{"credit=-1", "", "not an amount"},
		{"rpx=3", "", "unknown window"},
		{"neurons/week=3", "", "unknown window"},
		{"rpd", "", "NAME=AMOUNT"},
		{"rpd=-1", "", "non-negative"},
		{"rpd=lots", "", "non-negative"},
		{"credit=NaN", "", "not an amount"}, // would compare false against everything
		{"rpd=inf", "", "non-negative"},
		{",", "", "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			reqs, err := ParseRequirements(tc.spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range reqs {
				got = append(got, r.Name+":"+r.Metric+"/"+r.Period+">="+fmtNum(r.Min)+r.Unit)
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("got %q, want %q", strings.Join(got, " "), tc.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	reset := now.Add(3 * time.Hour)
	f := func(v float64) *float64 { return &v }
	row := func(model string, ws ...quota.Window) Row {
		return Row{Snapshot: quota.Snapshot{Provider: "groq", Key: "default", Model: model, Windows: ws}}
	}
	rpd := func(left int64, src string) quota.Window {
		return quota.Window{Metric: "requests", Period: "day", Limit: i64(1000), Remaining: i64(left), ResetAt: &reset, Source: src}
	}
	reports := func(r Row, what ...string) Row {
		r.Reportable = map[string]bool{}
		for _, w := range what {
			r.Reportable[w] = true
		}
		return r
	}
	seen := func(r Row) Row { r.Seen = now.Add(-time.Minute); return r }
	credit := Row{Snapshot: quota.Snapshot{Provider: "groq", Key: "default", Credit: &quota.Credit{Remaining: f(0.25), Unit: "USD", Source: quota.SourceBalance}}}
	tests := []struct {
		name         string
		rows         []Row
		spec         string
		allowUnknown bool
		want         []string // substrings, one per unmet line
	}{
		{"met", []Row{row("a", rpd(500, "header"))}, "rpd=20", false, nil},
		{"one model short", []Row{row("a", rpd(500, "header")), row("b", rpd(3, "header"))}, "rpd=20",
			false, []string{"groq: b: RPD 3 left, need 20, resets in 3h00m"}},
		{"estimate says so", []Row{row("a", rpd(3, "estimate"))}, "rpd=20", false, []string{"RPD 3 left (estimate), need 20"}},
		{"not reported fails", []Row{row("a")}, "rpd=20", false, []string{"RPD not reported"}},
		{"not reported allowed", []Row{row("a")}, "rpd=20", true, nil},
		{"credit short", []Row{row("a"), credit}, "credit=0.50", false, []string{"credit 0.25 USD left, need 0.5"}},
		{"credit just short is never shown as enough", []Row{{Snapshot: quota.Snapshot{Provider: "groq", Key: "default",
			Credit: &quota.Credit{Remaining: f(4.9999924), Unit: "USD", Source: quota.SourceEstimate}}}}, "credit=5USD", false,
			[]string{"credit 4.9999 USD left (estimate), need 5 USD"}},
		// --allow-unknown excuses only what the provider never reports.
		{"never seen, reported by the provider: not known", []Row{reports(row("a", rpd(900, "estimate")), "requests/day")}, "rpd=20", true,
			[]string{"groq: RPD not known: tier has had no answer from groq yet"}},
		{"seen, reported by the provider, missing: not excused", []Row{seen(reports(row("a"), "requests/day"))}, "rpd=20", true,
			[]string{"groq: RPD not reported in groq's last answers"}},
		{"seen, estimate of a window the provider reports counts", []Row{seen(reports(row("a", rpd(900, "estimate")), "requests/day"))}, "rpd=20", true, nil},
		{"never seen, a window the provider never reports: excused", []Row{reports(row("a"), "tokens/minute")}, "rpd=20", true, nil},
		{"never seen, credit from a balance endpoint: not known", []Row{reports(row("a"), CreditKey)}, "credit=1", true,
			[]string{"groq: credit not known"}},
		{"credit met", []Row{credit}, "credit=0.2", false, nil},
		{"credit unknown", []Row{row("a")}, "credit=1", false, []string{"credit not reported"}},
		{"two terms", []Row{row("a", rpd(3, "header")), credit}, "rpd=20,credit=1", false, []string{"RPD 3 left", "credit 0.25"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reqs, err := ParseRequirements(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			got := Check(tc.rows, reqs, tc.allowUnknown, now)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d unmet %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i].Message, w) {
					t.Errorf("line %d: %q does not contain %q", i, got[i].Message, w)
				}
			}
		})
	}
}
