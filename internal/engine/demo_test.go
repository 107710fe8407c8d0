//go:build unix

package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/quota"
)

// A state directory tier cannot write: the demo still answers, its
// counters unsaved, and that joins the call's one "not saved" message; no
// server error, no retry.
func TestDemoUnwritableStateAnswers(t *testing.T) {
	e, _ := world(t, fakeprovider.New(fakeprovider.Groq), "")
	for _, name := range []string{"snapshots", "ledger", "seen", "demo"} {
		if err := os.MkdirAll(filepath.Join(e.Store.Dir, name+".lock"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	p, err := e.Catalog.Profile("demo")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	req := request(p, &out)
	req.Model = p.DefaultModel
	res, err := e.Call(context.Background(), req)
	if err != nil || res.Err != nil {
		t.Fatalf("demo call: %v %v", err, res.Err)
	}
	if res.Reply.Attempts != 1 || !strings.Contains(out.String(), "Hello from tier's offline demo provider") {
		t.Errorf("%d attempts, reply %q", res.Reply.Attempts, out.String())
	}
	if !strings.HasPrefix(res.Unsaved, "demo counters, usage, first-use time and quota not saved: ") || !strings.Contains(res.Unsaved, "demo.lock") {
		t.Errorf("unsaved = %q", res.Unsaved)
	}
	rpm, _ := demoLimits(p)
	if w := window(*res.Snapshot, quota.Requests, quota.PeriodMinute); w == nil || w.Remaining == nil || *w.Remaining != rpm-1 {
		t.Errorf("the reply's requests/minute window = %+v, want %d left", w, rpm-1)
	}
}
