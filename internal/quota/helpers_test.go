package quota

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// arrival is when every sample response arrives, unless a test says otherwise.
var arrival = mustTime("2026-11-21T10:00:00Z")

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// headers builds a header map from name/value pairs, keeping the names'
// case exactly as written.
func headers(kv ...string) map[string][]string {
	h := make(map[string][]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = append(h[kv[i]], kv[i+1])
	}
	return h
}

// describe renders a window as one readable line; fields that were not
// reported are left out: "requests/minute limit=60 remaining=59
// reset=10:00:41Z header".
func describe(w Window) string {
	var b strings.Builder
	b.WriteString(w.Key())
	if w.Limit != nil {
		fmt.Fprintf(&b, " limit=%d", *w.Limit)
	}
	if w.Remaining != nil {
		fmt.Fprintf(&b, " remaining=%d", *w.Remaining)
	}
	if w.ResetAt != nil {
		fmt.Fprintf(&b, " reset=%s", w.ResetAt.Format(time.RFC3339Nano))
	}
	b.WriteString(" " + w.Source)
	return b.String()
}

func describeAll(ws []Window) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, describe(w))
	}
	return out
}

// checkWindows compares windows with their one-line descriptions, in order.
func checkWindows(t *testing.T, got []Window, want []string) {
	t.Helper()
	g := describeAll(got)
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("windows:\n got  %q\n want %q", g, want)
	}
}

// checkWholeUTC fails unless every time in s is UTC and a whole second.
func checkWholeUTC(t *testing.T, s Snapshot) {
	t.Helper()
	check := func(what string, tm time.Time) {
		if tm.Location() != time.UTC || tm.Nanosecond() != 0 {
			t.Errorf("%s = %v: want whole seconds in UTC", what, tm)
		}
	}
	check("observed_at", s.ObservedAt)
	for _, w := range s.Windows {
		if w.ResetAt != nil {
			check(w.Key()+" reset_at", *w.ResetAt)
		}
	}
	if s.Credit != nil && s.Credit.ExpiresAt != nil {
		check("credit expires_at", *s.Credit.ExpiresAt)
	}
}
