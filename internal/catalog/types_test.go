package catalog

import (
	"errors"
	"strconv"
	"testing"
)

// TestTypeErrorsNameTheirField: a value of the wrong type is reported with
// the field it is given for and the line it is on, however it is written:
// in a flow mapping after other fields, through an alias, on the line after
// its key, or as a long value (shown whole, not as yaml.v3's "http://...").
func TestTypeErrorsNameTheirField(t *testing.T) {
	const mine = "providers:\n  mine:\n    base_url: http://localhost:1/v1\n"
	tests := []struct {
		name     string
		user     string
		line     int
		provider string
		msg      string
	}{
		{
			name:     "a flow mapping: the field after base_url",
			user:     "providers:\n  mine: {base_url: \"http://localhost:1/v1\", no_key: maybe}\n",
			line:     2,
			provider: "mine",
			msg:      `provider "mine": "no_key" must be true or false, not "maybe"`,
		},
		{
			name:     "an alias of a string given to a boolean",
			user:     "providers:\n  mine:\n    base_url: &u http://localhost:1/v1\n    no_key: *u\n",
			line:     4,
			provider: "mine",
			msg:      `provider "mine": "no_key" must be true or false, not "http://localhost:1/v1"`,
		},
		{
			name:     "the value on the line after its key",
			user:     mine + "    no_key:\n      maybe\n",
			line:     5,
			provider: "mine",
			msg:      `provider "mine": "no_key" must be true or false, not "maybe"`,
		},
		{
			name:     "a long value is shown whole",
			user:     mine + "    no_key: https://example.com/a/long/value\n",
			line:     4,
			provider: "mine",
			msg:      `provider "mine": "no_key" must be true or false, not "https://example.com/a/long/value"`,
		},
		{
			name:     "a number where a boolean belongs",
			user:     mine + "    allow_insecure_http: 5\n",
			line:     4,
			provider: "mine",
			msg:      `provider "mine": "allow_insecure_http" must be true or false, not 5`,
		},
		{
			name:     "a list where a boolean belongs",
			user:     mine + "    no_key: [yes]\n",
			line:     4,
			provider: "mine",
			msg:      `provider "mine": "no_key" must be true or false, not a list`,
		},
		{
			name:     "the second figure of a flow limit",
			user:     mine + "    limits:\n      - {tier: free, models: [x], rpm: 5, rpd: lots}\n",
			line:     5,
			provider: "mine",
			msg:      `provider "mine": "rpd" must be a whole number, not "lots"`,
		},
		{
			name:     "a fraction where a whole number belongs",
			user:     mine + "    models:\n      - {id: m, context_length: 1.5}\n",
			line:     5,
			provider: "mine",
			msg:      `provider "mine": "context_length" must be a whole number, not 1.5`,
		},
		{
			name:     "text where a number belongs, after a good credit",
			user:     mine + "    credits:\n      - {amount: 5, unit: USD, as_of: 2026-11-01, source: s}\n      - {amount: five, unit: USD}\n",
			line:     6,
			provider: "mine",
			msg:      `provider "mine": "amount" must be a number, not "five"`,
		},
		{
			name:     "a mapping inside key_env's list",
			user:     mine + "    key_env: [A_KEY, {b: c}]\n",
			line:     4,
			provider: "mine",
			msg:      `provider "mine": "key_env" must be a string or a list of strings`,
		},
		{
			name:     "a string where a list belongs",
			user:     mine + "    limits: none\n",
			line:     4,
			provider: "mine",
			msg:      `provider "mine": "limits" must be a list, not "none"`,
		},
		{
			name:     "a number where a limit belongs",
			user:     mine + "    limits: [5]\n",
			line:     4,
			provider: "mine",
			msg:      `provider "mine": "limits[0]" must be a mapping, not 5`,
		},
		{
			name: "a list where the providers mapping belongs",
			user: "providers: [1, 2]\n",
			line: 1,
			msg:  `"providers" must be a mapping, not a list`,
		},
		{
			name:     "a number where a provider belongs",
			user:     "providers:\n  mine: 5\n",
			line:     2,
			provider: "mine",
			msg:      `provider "mine": must be a mapping, not 5`,
		},
		{
			name: "a dialect window's reset format",
			user: "dialects:\n  d:\n    windows:\n      - {metric: requests, period: day, limit: x-l, reset_format: [a]}\n",
			line: 4,
			msg:  `dialect "d": "reset_format" must be a string, not a list`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadUser(t, tt.user)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			want := userPath + ":" + strconv.Itoa(tt.line) + ": " + tt.msg
			if err.Error() != want || e.Provider != tt.provider {
				t.Errorf("error\n got %s (provider %q)\nwant %s (provider %q)", err, e.Provider, want, tt.provider)
			}
		})
	}
}
