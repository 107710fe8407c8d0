package batch

import (
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/quota"
)

// CatalogLimits are the published limits of model on profile p, for the
// windows its provider does not report: the free tier's, else the first
// tier the catalog names; the most specific figure of each window.
func CatalogLimits(p *catalog.Profile, model string) []Limit {
	ls := p.LimitsFor(model, "free")
	if len(ls) == 0 {
		for _, l := range p.Limits {
			if ls = p.LimitsFor(model, l.Tier); len(ls) > 0 {
				break
			}
		}
	}
	var out []Limit
	seen := map[string]bool{}
	for _, l := range ls {
		for _, w := range []struct {
			metric, period string
			v              *int64
		}{
			{quota.Requests, quota.PeriodMinute, l.RPM}, {quota.Requests, quota.PeriodHour, l.RPH}, {quota.Requests, quota.PeriodDay, l.RPD},
			{quota.Tokens, quota.PeriodMinute, l.TPM}, {quota.Tokens, quota.PeriodHour, l.TPH}, {quota.Tokens, quota.PeriodDay, l.TPD},
		} {
			k := w.metric + "/" + w.period
			if w.v == nil || seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, Limit{Metric: w.metric, Period: w.period, Limit: *w.v})
		}
	}
	return out
}
