package cli_test

import (
	"net"
	"regexp"
	"testing"
)

// With TIER_SHARED, tier status shows the fleet's figures on a machine
// that has made no call (the "local (or shared) state"), and a
// Redis out of reach still never breaks a prompt.
func TestStatusLineFromTheFleet(t *testing.T) {
	t.Parallel()
	_, b := fleetSeen(t)
	out, stderr, code := b.run("status")
	if code != 0 || !regexp.MustCompile(`^demo 9/10rpm 49/50rpd`).MatchString(out) || stderr != "" {
		t.Errorf("machine b's status line: exit %d, %q, stderr %q; want the fleet's demo figures", code, out, stderr)
	}

	// Redis gone: an empty line and exit 0 in either mode, nothing on
	// stderr; --strict says so (6 when required).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "redis://" + ln.Addr().String() + "/0"
	ln.Close()
	for _, mode := range []string{"required", "preferred"} {
		c := newMachine(t, down, mode)
		if out, stderr, code := c.run("status"); code != 0 || out != "\n" || stderr != "" {
			t.Errorf("%s, Redis down: exit %d, %q, stderr %q; want an empty line, exit 0", mode, code, out, stderr)
		}
	}
	if _, stderr, code := newMachine(t, down, "required").run("status", "--strict"); code != 6 || stderr == "" {
		t.Errorf("required, Redis down, --strict: exit %d, stderr %q; want 6", code, stderr)
	}
}
