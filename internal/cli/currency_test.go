package cli

import (
	"strings"
	"testing"
)

// --credit takes a three-letter unit only when it is a currency code:
// "5XYZ" is refused, saying why; units that are words still pass.
func TestParseCreditKnowsCurrencies(t *testing.T) {
	tests := []struct {
		in     string
		unit   string // "": refused
		errHas string
	}{
		{"5XYZ", "", `"XYZ" is not a currency code`},
		{"5 abc", "", `"ABC" is not a currency code`},
		{"5eur", "EUR", ""},
		{"5 CNY", "CNY", ""},
		{"100JPY", "JPY", ""},
		{"5USD", "USD", ""},
		{"10 neurons", "neurons", ""},
		{"1000000tokens", "tokens", ""},
	}
	for _, tt := range tests {
		_, unit, err := parseCredit(tt.in, "USD")
		if unit != tt.unit || (err == nil) != (tt.unit != "") {
			t.Errorf("parseCredit(%q) = %q, %v; want %q", tt.in, unit, err, tt.unit)
		}
		if err != nil && (!strings.Contains(err.Error(), tt.errHas) || CodeOf(err) != ExitUsage || strings.Contains(err.Error(), "\n")) {
			t.Errorf("parseCredit(%q): error %q (exit %d), want one line holding %q, exit 2", tt.in, err, CodeOf(err), tt.errHas)
		}
	}
}
