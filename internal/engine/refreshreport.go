package engine

import (
	"fmt"
	"io"
	"strings"
)

// ReportRefresh writes to w, one line each, what a refresh said: the state
// it could not save, each provider's messages and each failure; and, when
// the selection named no provider and none was asked, that no provider has
// a key. It returns the results that failed, in order.
func ReportRefresh(w io.Writer, results []Refreshed, explicit bool) []Refreshed {
	var failed []Refreshed
	asked := false
	for _, r := range results {
		if r.Unsaved != "" {
			fmt.Fprintf(w, "tier: warning: %s\n", oneLine(r.Unsaved))
		}
	}
	for _, r := range results {
		asked = asked || r.Asked
		for _, m := range r.Messages {
			fmt.Fprintf(w, "tier: %s: %s\n", r.Provider, oneLine(m))
		}
		if r.Err != nil {
			fmt.Fprintf(w, "tier: %s: refresh failed: %s\n", r.Provider, r.ErrText())
			failed = append(failed, r)
		}
	}
	if !asked && !explicit {
		fmt.Fprintln(w, "tier: nothing to refresh: no provider has a key here (tier keys set PROVIDER)")
	}
	return failed
}

// ErrText is r.Err on one line, without the "provider: " the api package
// starts its messages with (the line already names the provider).
func (r Refreshed) ErrText() string {
	msg := oneLine(r.Err.Error())
	for _, prefix := range []string{"balance: ", "GET /models: ", "probe: "} {
		if rest, ok := strings.CutPrefix(msg, prefix+r.Provider+": "); ok {
			return prefix + rest
		}
	}
	return strings.TrimPrefix(msg, r.Provider+": ")
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.ReplaceAll(s, "\n", "; ")
}
