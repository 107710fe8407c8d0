package batch

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// How a run that stopped says to go on: after the reset when the provider
// gave one; a credit used up (a 402 names no time) is not told to wait
// for a reset, which never comes.
func TestOutcomeSaysWhenToGoOn(t *testing.T) {
	out, _, err := OpenOutput(filepath.Join(t.TempDir(), "out.jsonl"), "h")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	reset := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		sum  Summary
		want string
	}{
		{"a day", Summary{Exhausted: true, ResumeAt: reset, Why: "g/k/m: requests per day used up"}, "run the same command after Dec 3 "},
		{"a credit", Summary{Exhausted: true, Why: "d/k/m: d: the credit balance is used up"}, "run the same command once it has room again (the provider gave no reset time: a credit used up needs topping up)"},
		{"the reserve", Summary{Exhausted: true, AtReserve: true, ResumeAt: reset, Why: "stopped at the reserve: rpd=20"}, "stopped at the reserve: rpd=20; 3 rows not sent"},
		{"Ctrl-C", Summary{Interrupted: true}, "run the same command to resume"},
	}
	for _, tt := range tests {
		err := Outcome(tt.sum, rowsOf(3), 3, out, "out.jsonl")
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "when it resets") {
			t.Errorf("%s: %v, want it to say %q", tt.name, err, tt.want)
		}
	}
}
