package catalog

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// The built-in dialects read every window a real response carries: each
// row is a real header set (source in the comment) and the windows Parse
// must make of it with the catalog's own dialect.
func TestBuiltinDialectsReadRealHeaders(t *testing.T) {
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		dialect string
		header  map[string][]string
		want    string
	}{
		// https://github.com/mistralai/client-ts/issues/169, plus the
		// 10-second and monthly windows the quota-fidelity issue quotes.
		{"mistral", map[string][]string{
			"X-Ratelimit-Limit-Req-Minute": {"720"}, "X-Ratelimit-Remaining-Req-Minute": {"717"},
			"X-Ratelimit-Limit-Req-10-Second": {"2"}, "X-Ratelimit-Remaining-Req-10-Second": {"1"},
			"X-Ratelimit-Limit-Tokens-Minute": {"5000000"}, "X-Ratelimit-Remaining-Tokens-Minute": {"4999911"},
			"X-Ratelimit-Limit-Tokens-Month": {"1000000000000"}, "X-Ratelimit-Remaining-Tokens-Month": {"999998798434"},
			"X-Ratelimit-Tokens-Query-Cost": {"52"},
		}, "requests/minute 717/720, tokens/minute 4999911/5000000, requests/10-second 1/2, tokens/month 999998798434/1000000000000"},
		// https://github.com/bespokelabsai/curator/issues/535
		{"anthropic", map[string][]string{
			"Anthropic-Ratelimit-Requests-Limit": {"4000"}, "Anthropic-Ratelimit-Requests-Remaining": {"3999"},
			"Anthropic-Ratelimit-Output-Tokens-Limit": {"80000"}, "Anthropic-Ratelimit-Output-Tokens-Remaining": {"80000"},
		}, "requests/unknown 3999/4000, output_tokens/minute 80000/80000"},
	}
	c := builtinCatalog()
	for _, tt := range tests {
		d := c.Dialect(tt.dialect)
		if d == nil {
			t.Fatalf("no built-in dialect %q", tt.dialect)
		}
		res := quota.Parse(d, quota.Response{Status: 200, Header: tt.header, At: at})
		var got []string
		for _, w := range res.Snapshot.Windows {
			s := w.Key() + " "
			if w.Remaining != nil && w.Limit != nil {
				s += strings.TrimSpace(itoa(*w.Remaining) + "/" + itoa(*w.Limit))
			}
			got = append(got, s)
		}
		if g := strings.Join(got, ", "); g != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.dialect, g, tt.want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
