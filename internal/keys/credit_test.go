package keys

import (
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
)

func TestParseCredit(t *testing.T) {
	cases := []struct {
		in, defUnit string
		amount      float64
		unit        string
		ok          bool
	}{
		{"5USD", "USD", 5, "USD", true},
		{"5 usd", "USD", 5, "USD", true},
		{"$5", "USD", 5, "USD", true},
		{"€2.50", "USD", 2.5, "EUR", true},
		{"5", "USD", 5, "USD", true},
		{"5", "tokens", 5, "tokens", true}, // a bare number takes the provider's grant unit
		{"1000000tokens", "USD", 1e6, "tokens", true},
		{"10 neurons", "USD", 10, "neurons", true},
		{"$5USD", "USD", 0, "", false},
		{"0", "USD", 0, "", false},
		{"-5USD", "USD", 0, "", false},
		{"USD", "USD", 0, "", false},
		{"5,00 USD", "USD", 0, "", false},
	}
	for _, c := range cases {
		amount, unit, err := ParseCredit(c.in, c.defUnit)
		if (err == nil) != c.ok || amount != c.amount || unit != c.unit {
			t.Errorf("ParseCredit(%q) = %v %q %v; want %v %q ok=%v", c.in, amount, unit, err, c.amount, c.unit, c.ok)
		}
	}
}

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
		_, unit, err := ParseCredit(tt.in, "USD")
		if unit != tt.unit || (err == nil) != (tt.unit != "") {
			t.Errorf("ParseCredit(%q) = %q, %v; want %q", tt.in, unit, err, tt.unit)
		}
		if err != nil && (!strings.Contains(err.Error(), tt.errHas) || strings.Contains(err.Error(), "\n")) {
			t.Errorf("ParseCredit(%q): error %q, want one line holding %q", tt.in, err, tt.errHas)
		}
	}
}

func TestParseDate(t *testing.T) {
	local, err := ParseDate("--expires", "2026-12-01")
	if want := time.Date(2026, 12, 1, 0, 0, 0, 0, time.Local).UTC(); err != nil || !local.Equal(want) {
		t.Errorf("ParseDate(2026-12-01) = %v, %v; want %v", local, err, want)
	}
	rfc, err := ParseDate("--expires", "2026-12-01T10:00:00.5Z")
	if want := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC); err != nil || !rfc.Equal(want) {
		t.Errorf("ParseDate(RFC 3339) = %v, %v; want %v", rfc, err, want)
	}
	if _, err := ParseDate("--granted", "1/12/2026"); err == nil || err.Error() != `--granted "1/12/2026" is not a date: write YYYY-MM-DD` {
		t.Errorf("ParseDate(1/12/2026): %v", err)
	}
}

// A grant's dates and expiry come only from what was given; the errors
// name the flag.
func TestNewGrant(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	p := &catalog.Profile{Name: "x", Credits: []catalog.Grant{{Unit: "tokens"}}}
	g, err := NewGrant(GrantSpec{Credit: "5"}, p, now)
	if err != nil || g.Amount != 5 || g.Unit != "tokens" || !g.Granted.Equal(now) || !g.Expires.IsZero() {
		t.Errorf("NewGrant(5) = %+v, %v", g, err)
	}
	if g, err := NewGrant(GrantSpec{}, p, now); g != nil || err != nil {
		t.Errorf("NewGrant() = %+v, %v; want nil, nil", g, err)
	}
	g, err = NewGrant(GrantSpec{Credit: "$5", ValidDays: 30}, p, now)
	if err != nil || g.Unit != "USD" || !g.Expires.Equal(now.Local().AddDate(0, 0, 30).UTC()) {
		t.Errorf("NewGrant($5, 30 days) = %+v, %v", g, err)
	}
	for spec, want := range map[GrantSpec]string{
		{Expires: "2026-12-01"}:                                     "--expires needs --credit",
		{Credit: "5", Expires: "2026-12-01", ValidDays: 3}:          "not both",
		{Credit: "5", ValidDays: -1}:                                "positive number of days",
		{Credit: "5", Granted: "2026-12-01", Expires: "2026-11-01"}: "before it was granted",
	} {
		if _, err := NewGrant(spec, p, now); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewGrant(%+v): %v, want %q", spec, err, want)
		}
	}
}
