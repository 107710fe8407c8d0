package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/cli"
	"github.com/tier-cli/tier/internal/usage"
)

func runIn(vars map[string]string, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
	code := cli.Run(context.Background(), env, args)
	return out.String(), errb.String(), code
}

// 50 chats at once: 50 rows in tier usage, cost estimated from the catalog.
func TestUsageAfterParallelChats(t *testing.T) {
	vars := map[string]string{"TIER_STATE_DIR": t.TempDir(), "TIER_CONFIG_DIR": t.TempDir(), "TIER_NO_KEYRING": "1", "TZ": "UTC"}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runIn(vars, "chat", "-p", "demo", "--no-stdin", "-q", "--retries", "0", "--tag", fmt.Sprint("job", i%2), "hello")
		}()
	}
	wg.Wait()
	out, errs, code := runIn(vars, "usage", "--json", "--by", "tag")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep usage.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err, out)
	}
	if rep.Total.Requests != 50 || len(rep.Rows) != 2 || rep.Rows[0].Group != "job0" || rep.Rows[0].Requests != 25 || rep.Zone != "UTC" {
		t.Fatalf("report %+v", rep)
	}
	out, _, _ = runIn(vars, "usage")
	if !strings.Contains(out, "total\t50\t") || strings.Contains(out, "█") {
		t.Errorf("plain table in a pipe: %q", out)
	}
}

func TestUsageFlags(t *testing.T) {
	vars := map[string]string{"TIER_STATE_DIR": t.TempDir(), "TIER_CONFIG_DIR": t.TempDir()}
	for _, args := range [][]string{{"usage", "--by", "colour"}, {"usage", "--since", "yesterday"}, {"usage", "--daily", "--weekly"}} {
		if _, errs, code := runIn(vars, args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errs)
		}
	}
	if _, errs, code := runIn(vars, "usage"); code != 0 || !strings.Contains(errs, "no calls logged yet") {
		t.Errorf("empty log: exit %d, %q", code, errs)
	}
}

// BenchmarkUsage100k is 'tier usage' (in process: open, ingest, report,
// print) over 100,000 logged calls.
func BenchmarkUsage100k(b *testing.B) {
	dir := b.TempDir()
	db, err := usage.New(dir).Open()
	if err != nil {
		b.Fatal(err)
	}
	entries := usage.Calls100k(time.Now().AddDate(0, 0, -30), false)
	if err := db.Insert(entries...); err != nil {
		b.Fatal(err)
	}
	db.Close()
	vars := map[string]string{"TIER_STATE_DIR": dir, "TIER_CONFIG_DIR": b.TempDir()}
	for _, args := range [][]string{{"usage"}, {"usage", "--by", "tag", "--weekly", "--json"}} {
		b.Run(strings.Join(args[1:], " "), func(b *testing.B) {
			for b.Loop() {
				if _, errs, code := runIn(vars, args...); code != 0 {
					b.Fatal(errs)
				}
			}
		})
	}
}
