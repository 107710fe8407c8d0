package models

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Report writes to w, one line each, what the lists of results (one a
// profile, named by names) said beside their entries: a failure (naming
// the provider), a cached list shown and how old it is (age is how an age
// is shown), each warning; then the providers skipped for want of a key.
// It returns every entry and the failures, in order.
func Report(w io.Writer, names []string, results []Result, skipped []string, now time.Time, age func(time.Duration) string) ([]Entry, []error) {
	var entries []Entry
	var failures []error
	for i, r := range results {
		name := names[i]
		if r.Err != nil {
			failures = append(failures, r.Err)
			msg := oneLine(r.Err.Error())
			if !strings.Contains(msg, name) {
				msg = name + ": " + msg
			}
			fmt.Fprintf(w, "tier: %s\n", msg)
			if r.Cached {
				fmt.Fprintf(w, "tier: %s: showing the list cached %s ago\n", name, age(now.Sub(r.FetchedAt)))
			}
		} else if r.Cached {
			fmt.Fprintf(w, "tier: %s: cached %s ago (--refresh to update)\n", name, age(now.Sub(r.FetchedAt)))
		}
		for _, warn := range r.Warnings {
			fmt.Fprintf(w, "tier: warning: %s\n", oneLine(warn))
		}
		entries = append(entries, r.Entries...)
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "tier: skipped %d provider(s) with no key: %s\n", len(skipped), strings.Join(skipped, ", "))
	}
	return entries, failures
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.ReplaceAll(s, "\n", "; ")
}
