package catalog

import (
	"fmt"
	"strings"
)

// iso4217 is every active ISO 4217 currency code.
const iso4217 = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP " +
	"BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS " +
	"GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD " +
	"KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO " +
	"NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS " +
	"SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF " +
	"XCD XCG XOF XPF YER ZAR ZMW ZWG"

var currencies = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(iso4217) {
		m[c] = true
	}
	return m
}()

// CurrencyCode returns code in upper case when it is an ISO 4217 currency
// code (in any case), else an error that says so.
func CurrencyCode(code string) (string, error) {
	up := strings.ToUpper(code)
	if !currencies[up] {
		return "", fmt.Errorf("%q is not a currency code: use an ISO 4217 code such as USD, EUR, GBP, CNY or JPY", up)
	}
	return up, nil
}
