package keys

import (
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	tests := []struct {
		key, want string
	}{
		{"test-key-good-a1b2", "…a1b2"},
		{"12345678", "…5678"}, // 8 characters: last 4
		{"1234567", "…67"},    // 4 to 7: last 2 only
		{"1234", "…34"},
		{"123", "…"}, // shorter: nothing
		{"", "…"},
		{"test-key-ünïcödé", "…cödé"}, // characters, not bytes
	}
	for _, tt := range tests {
		got := Fingerprint(tt.key)
		if got != tt.want {
			t.Errorf("Fingerprint(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// Whatever the length, a fingerprint never shows half of a key or more.
func TestFingerprintNeverRevealsMostOfAKey(t *testing.T) {
	for n := 0; n <= 40; n++ {
		key := strings.Repeat("k", n)
		shown := len([]rune(strings.TrimPrefix(Fingerprint(key), "…")))
		if n > 0 && shown*2 > n {
			t.Errorf("a %d-character key shows %d characters", n, shown)
		}
		if shown > 4 {
			t.Errorf("a %d-character key shows %d characters, more than 4", n, shown)
		}
	}
}
