package cli_test

import (
	"strings"
	"testing"
)

// tier quota --watch on a machine that has made no call shows the fleet's
// figures (TIER_SHARED), as a plain tier quota does, and says whose they
// are; a Redis out of reach says so under the table.
func TestQuotaWatchShowsTheFleets(t *testing.T) {
	t.Parallel()
	r, b := fleetSeen(t)
	out, stderr, code := b.run("quota", "--watch", "--count", "2", "--interval", "10ms")
	if code != 0 || strings.Count(out, "demo\tdefault\tdemo-echo-1\t9/10") != 2 || !strings.Contains(stderr, "shared: demo/default/demo-echo-1 seen by ") {
		t.Errorf("machine b's watch: exit %d\n%s\nstderr %q; want the fleet's demo row twice", code, out, stderr)
	}
	r.Close()
	_, stderr, code = b.run("quota", "--watch", "--count", "1", "--interval", "10ms")
	if code != 0 || !strings.Contains(stderr, "tier: shared state") {
		t.Errorf("Redis gone: exit %d, stderr %q; want the table and what is wrong", code, stderr)
	}
}
