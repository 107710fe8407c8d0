package prompt

import (
	"testing"
	"time"
)

func TestDurationFlagTakesDurationsAndSeconds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90s", 90 * time.Second, true}, {"2m", 2 * time.Minute, true}, {"500ms", 500 * time.Millisecond, true},
		{"5", 5 * time.Second, true}, {"0.25", 250 * time.Millisecond, true}, {"0", 0, true},
		{"-3", 0, false}, {"soon", 0, false}, {"", 0, false},
	}
	for _, tc := range tests {
		var d time.Duration
		err := Duration{&d}.Set(tc.in)
		if (err == nil) != tc.ok || (tc.ok && d != tc.want) {
			t.Errorf("Set(%q) = %v, %v; want %v ok=%v", tc.in, d, err, tc.want, tc.ok)
		}
	}
}
