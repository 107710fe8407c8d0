package catalog

import (
	"strings"
	"testing"
)

// TestCurrencyCode: a three-letter unit is a currency only when it is an
// ISO 4217 code (any case); "XYZ" is refused with the codes tier knows.
func TestCurrencyCode(t *testing.T) {
	tests := []struct {
		in, want string // want "": refused
	}{
		{"USD", "USD"},
		{"usd", "USD"},
		{"Eur", "EUR"},
		{"cny", "CNY"},
		{"GBP", "GBP"},
		{"JPY", "JPY"},
		{"INR", "INR"},
		{"XYZ", ""},
		{"ABC", ""},
		{"US", ""},
		{"USDT", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := CurrencyCode(tt.in)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("CurrencyCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if err != nil && (!strings.Contains(err.Error(), strings.ToUpper(tt.in)) || !strings.Contains(err.Error(), "USD")) {
			t.Errorf("CurrencyCode(%q): error %q should name the code and the common ones", tt.in, err)
		}
	}
}

// Every currency the built-in catalog uses is one CurrencyCode knows.
func TestCatalogCurrenciesAreKnown(t *testing.T) {
	c := mustLoad(t, "")
	for name, p := range c.Providers {
		for _, m := range p.Models {
			if m.Price != nil && m.Price.Currency != "" {
				if _, err := CurrencyCode(m.Price.Currency); err != nil {
					t.Errorf("%s %s: %v", name, m.ID, err)
				}
			}
		}
		for _, g := range p.Credits {
			if len(g.Unit) == 3 {
				if _, err := CurrencyCode(g.Unit); err != nil {
					t.Errorf("%s credit: %v", name, err)
				}
			}
		}
	}
}

// A price in the user's file names a real currency, in upper case.
func TestPriceCurrencyIsKnown(t *testing.T) {
	for cur, ok := range map[string]bool{"EUR": true, "CNY": true, "XYZ": false, "eur": false} {
		_, err := loadUser(t, "providers:\n  groq:\n    models:\n      - id: m\n        price: {input: 1, output: 2, currency: "+cur+", as_of: 2026-11-01, source: s}\n")
		if (err == nil) != ok {
			t.Errorf("currency %s: err = %v, want ok=%v", cur, err, ok)
		}
		if want := `currency "` + cur + `" is not an ISO 4217 code such as USD`; err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("currency %s: err = %v, want it to hold %q", cur, err, want)
		}
	}
}
