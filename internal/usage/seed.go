package usage

import (
	"fmt"
	"time"
)

// Calls100k are 100,000 made-up calls over 30 days from start, for
// benchmarks (here and in internal/cli): a busy CI, 3,300 calls a day,
// each hour's job on one provider, key and tag, with two models; or,
// adversarial, each call in another group than the one before.
func Calls100k(start time.Time, adversarial bool) []Entry {
	providers := []string{"groq", "deepseek", "openrouter", "cerebras"}
	keyNames := []string{"default", "ci", "nightly"}
	tags := []string{"", "build", "review", "docs", "eval"}
	out := make([]Entry, 100000)
	for i := range out {
		at := start.Add(time.Duration(i) * (30 * 24 * time.Hour / 100000))
		h := int(at.Sub(start) / time.Hour)
		if adversarial {
			h = i
		}
		c := 0.00012
		e := Entry{At: at, Kind: KindChat, Provider: providers[h%4], Key: keyNames[(h/4)%3], Tag: tags[h%5],
			Model: fmt.Sprint(providers[h%4], "-model-", i%2), PromptTokens: 200, CompletionTokens: 400,
			Cost: &c, Currency: "USD", CostEstimated: true, LatencyMS: 300, Outcome: "ok"}
		if e.Provider == "cerebras" {
			e.Cost, e.Currency, e.CostEstimated = nil, "", false // no price known
		}
		out[i] = e
	}
	return out
}
