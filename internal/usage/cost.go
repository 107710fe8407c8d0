package usage

import "github.com/tier-cli/tier/internal/catalog"

// Price is the catalog's price of model on profile p, nil when unknown.
func Price(p *catalog.Profile, model string) *catalog.Price {
	if p == nil {
		return nil
	}
	for i := range p.Models {
		if m := &p.Models[i]; m.ID == model {
			if m.Price == nil && m.Free {
				return &catalog.Price{}
			}
			return m.Price
		}
	}
	if p.FreeModelSuffix != "" && len(model) > len(p.FreeModelSuffix) && model[len(model)-len(p.FreeModelSuffix):] == p.FreeModelSuffix {
		return &catalog.Price{} // OpenRouter's ":free" models
	}
	if p.Demo {
		return &catalog.Price{}
	}
	return nil
}

// Cost is what prompt and completion tokens cost at price pr, in its
// currency (USD when it names none); ok is false when pr is nil.
func Cost(pr *catalog.Price, prompt, completion int64) (cost float64, currency string, ok bool) {
	if pr == nil {
		return 0, "", false
	}
	currency = pr.Currency
	if currency == "" {
		currency = "USD"
	}
	return (float64(prompt)*pr.Input + float64(completion)*pr.Output) / 1e6, currency, true
}

// SetCost fills e's cost: the provider's reported cost (USD) when it gave
// one, else the catalog's price (marked estimated), else none (unknown).
func (e *Entry) SetCost(p *catalog.Profile, reported *float64) {
	if reported != nil {
		c := *reported
		e.Cost, e.Currency, e.CostEstimated = &c, "USD", false
		return
	}
	if c, cur, ok := Cost(Price(p, e.Model), e.PromptTokens, e.CompletionTokens); ok {
		e.Cost, e.Currency, e.CostEstimated = &c, cur, true
		return
	}
	e.Cost, e.Currency, e.CostEstimated = nil, "", false
}
