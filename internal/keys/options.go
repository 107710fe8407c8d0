package keys

import (
	"errors"
	"fmt"
	"time"
)

// NameOr is the key name a --name flag gives: an empty name is the
// default key, as it is everywhere in this package, so that messages and
// checks agree.
func NameOr(name string) string {
	if name == "" {
		return DefaultName
	}
	return name
}

// ParseRotateAfter reads a --rotate-after value: 90d, 12w, 36h or never
// (-1: no reminder).
func ParseRotateAfter(s string) (time.Duration, error) {
	d, err := ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("--rotate-after: %v", err)
	}
	if d == 0 {
		return 0, errors.New("--rotate-after must be longer than 0: write e.g. 90d, or never to turn the reminder off")
	}
	return d, nil
}
