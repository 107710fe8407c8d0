package engine

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/shared"
)

// stubFleet asks for the waits of its script, one a Before, then lets the
// call go.
type stubFleet struct {
	waits []time.Duration
	whys  []string
	asked int
}

func (s *stubFleet) Before(context.Context, string, string, string, int64) (*shared.Ticket, time.Duration, string, error) {
	if s.asked >= len(s.waits) {
		s.asked++
		return nil, 0, "", nil
	}
	s.asked++
	return nil, s.waits[s.asked-1], s.whys[s.asked-1], nil
}

func (s *stubFleet) After(context.Context, string, string, string, string, *quota.Result, *quota.Snapshot, int64) {
}

// A wait the fleet asks for is said as every other wait is, after the
// provider's name, and once a reason: the fleet's "wait a moment for the
// first reading" comes every 50 ms while that reading is on its way, and
// would otherwise print a line each time.
func TestFleetWaitsAreSaidOnceAReasonWithTheProvider(t *testing.T) {
	e, p := world(t, fakeprovider.New(fakeprovider.Groq), goodKey)
	first := "waiting for the fleet's first reading of the limits"
	cool := "cooling down after a 429 seen by runner-b"
	e.Fleet = &stubFleet{
		waits: []time.Duration{5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond},
		whys:  []string{first, first, first, cool},
	}
	var said []string
	var out bytes.Buffer
	req := request(p, &out)
	req.Options.Wait = func(_ context.Context, d time.Duration, why string) error {
		said = append(said, why)
		time.Sleep(d)
		return nil
	}
	if _, err := e.Call(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	want := []string{"groq: " + first, "groq: " + cool}
	if strings.Join(said, "\n") != strings.Join(want, "\n") {
		t.Errorf("waits said:\n%s\nwant:\n%s", strings.Join(said, "\n"), strings.Join(want, "\n"))
	}
	if n := e.Fleet.(*stubFleet).asked; n != 5 {
		t.Errorf("the fleet was asked %d times, want 5 (each wait waited, then the call)", n)
	}
}
