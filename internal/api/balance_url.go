package api

import (
	"net/url"
	"strings"
)

// BalanceURL is the balance endpoint to ask, given the built-in profile's
// base and balance URLs and the profile's (possibly the user's) base and
// balance URLs. When the user moved base_url (a proxy) but left balance.url
// as built in, and the built-in balance URL is on the built-in base URL's
// host, the balance endpoint moves with the base: the same path, on the new
// host, under the new base's prefix (the part of its path in front of the
// built-in base's path). Anything else is returned as it is: a balance URL
// the user set is theirs, and one on another host is still refused by
// Balance, which sends the key only to the base URL's host.
func BalanceURL(builtinBase, builtinBalance, base, balance string) string {
	if balance != builtinBalance || base == builtinBase {
		return balance
	}
	ob, err1 := url.Parse(builtinBase)
	obal, err2 := url.Parse(builtinBalance)
	nb, err3 := url.Parse(base)
	if err1 != nil || err2 != nil || err3 != nil || nb.Host == "" || !strings.EqualFold(ob.Host, obal.Host) {
		return balance
	}
	oldBase := strings.TrimSuffix(ob.Path, "/")
	newBase := strings.TrimSuffix(nb.Path, "/")
	path := obal.Path
	switch {
	case strings.HasPrefix(path, oldBase+"/"):
		path = newBase + strings.TrimPrefix(path, oldBase)
	case strings.HasSuffix(newBase, oldBase):
		path = strings.TrimSuffix(newBase, oldBase) + path
	}
	moved := *obal
	moved.Scheme, moved.Host, moved.User, moved.Path, moved.RawPath = nb.Scheme, nb.Host, nb.User, path, ""
	return moved.String()
}
