package overview

import (
	"testing"
	"time"
)

func TestGateBlindAndNothingSeen(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	reqs, err := ParseRequirements("rpd=1")
	if err != nil {
		t.Fatal(err)
	}
	unmet := Gate(nil, reqs, false, now, []Blind{{Provider: "groq", Why: "no key"}}, false, Selection("work", ""))
	if len(unmet) != 2 || unmet[0].Message != "groq: cannot be checked: its refresh failed (no key)" ||
		unmet[1].Message != `nothing seen yet for key "work": name the providers to check (tier quota groq --require ...)` {
		t.Errorf("unmet: %+v", unmet)
	}
	if unmet := Gate(nil, reqs, false, now, nil, true, ""); len(unmet) != 0 {
		t.Errorf("named providers with no rows: %+v", unmet)
	}
	if got := Selection("k", "m"); got != `key "k" and model "m"` {
		t.Errorf("Selection: %q", got)
	}
}
