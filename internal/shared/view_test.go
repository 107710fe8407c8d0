package shared

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

func TestMarkAndWriteMarked(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	mine := quota.Snapshot{Provider: "groq", Key: "default", Model: "m", ObservedAt: t0}
	theirs := quota.Snapshot{Provider: "groq", Key: "default", Model: "", ObservedAt: t0.Add(-time.Minute)}
	older := quota.Snapshot{Provider: "cerebras", Key: "default", Model: "x", ObservedAt: t0}
	entries := []Entry{
		{Snapshot: theirs, Host: "ci-7", At: t0.Add(-30 * time.Second), Fingerprint: "…abcd"},
		{Snapshot: quota.Snapshot{Provider: "cerebras", Key: "default", Model: "x", ObservedAt: t0.Add(-time.Hour)}, Host: "old"},
	}
	snaps := []quota.Snapshot{mine, theirs, older}
	ptrs := []*quota.Snapshot{&snaps[0], &snaps[1], &snaps[2]}
	Mark(ptrs, entries)
	if snaps[0].Shared != nil || snaps[2].Shared != nil {
		t.Errorf("marked rows the fleet did not make: %+v %+v", snaps[0].Shared, snaps[2].Shared)
	}
	if sh := snaps[1].Shared; sh == nil || sh.Host != "ci-7" {
		t.Fatalf("the fleet's row is not marked: %+v", sh)
	}
	var b bytes.Buffer
	WriteMarked(&b, snaps, t0)
	if want := "shared: groq/default (…abcd) seen by ci-7 30s ago\n"; b.String() != want {
		t.Errorf("WriteMarked = %q, want %q", b.String(), want)
	}
}

func TestWriteStatus(t *testing.T) {
	up := Status{URL: "redis://h:6379/0", Mode: "required", Host: "me", Reachable: true, Server: "7.2", LatencyMS: 0.5, Keys: 3, Snapshots: 2, SkewMS: -4}
	var b bytes.Buffer
	WriteStatus(&b, up, false)
	for _, want := range []string{"url:        redis://h:6379/0\n", "reachable:  yes (Redis 7.2)\n", "latency:    0.50 ms\n", "keys held:  3 (2 snapshots)\n", "clock skew: -4 ms\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("WriteStatus lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	WriteStatus(&b, Status{URL: "redis://h", Error: "dial tcp: refused"}, false)
	if !strings.Contains(b.String(), "reachable:  no (dial tcp: refused)\n") {
		t.Errorf("unreachable: %q", b.String())
	}
	b.Reset()
	WriteStatus(&b, up, true)
	if !strings.HasPrefix(b.String(), "{\n  \"url\": \"redis://h:6379/0\",") || !strings.Contains(b.String(), `"clock_skew_ms": -4`) {
		t.Errorf("JSON: %s", b.String())
	}
}
