package quota

import (
	"strings"

	"github.com/tier-cli/tier/internal/lazyre"
)

// OpenRouter: "You requested up to 225702 tokens, but can only afford 92985."
var reAfford = lazyre.New(`(?i)can only afford (\d+)`)

// accountPhrases say, in lower case, that the account or its money is the
// cause, and how tier puts it. The first that matches gives the reason.
var accountPhrases = []struct {
	phrase, reason string
	credit         bool // the balance itself is empty
}{
	// Fireworks 412/403: "Account … is suspended, possibly due to reaching
	// the monthly spending limit or failure to pay past invoices".
	{"is suspended, possibly due to reaching the monthly spending limit", "the account is suspended (a monthly spending limit or an unpaid invoice)", false},
	{"never purchased credits", "no credit: this account never purchased any", true},
	{"exceeded your monthly included credits", "the monthly included credits are used up", true},
	{"credit balance is too low", "the credit balance is used up", true},
	{"insufficient balance", "the credit balance is used up", true},
	{"insufficient credit", "the credit balance is used up", true},
	{"payment_method_required", "no credit: a payment method is required", true},
}

// accountState sets b.reason (and moves a relayed balance off the gateway's
// own credit) from the whole body text.
func (b *bodyInfo) accountState(text string) {
	low := strings.ToLower(text)
	// Go's regexp is slow on a case-insensitive pattern: it runs only when
	// the words are there.
	if strings.Contains(low, "can only afford") {
		if m := reAfford().FindStringSubmatch(text); m != nil {
			b.reason = "the credit left pays for at most " + m[1] + " tokens: a smaller --max-tokens (" + m[1] + " or less) would fit"
			return
		}
	}
	for _, p := range accountPhrases {
		if !strings.Contains(low, p.phrase) {
			continue
		}
		b.quotaOut = true
		b.reason = p.reason
		if p.credit && b.upstream != "" {
			// A gateway passing on its upstream's empty balance: the
			// gateway's own credit says nothing of it.
			b.creditOut = false
			b.reason = "the upstream provider (" + b.upstream + ") has no balance left"
		}
		return
	}
}

// hostOf is the host of a URL ("https://api.z.ai/x" → "api.z.ai").
func hostOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	return u
}
