package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
	// A damaged usage.db is a damaged state file: exit 2, one line saying
	// how to move it aside.
	if err := os.WriteFile(filepath.Join(vars["TIER_STATE_DIR"], usage.DBFile), []byte("not a database, not at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := runIn(vars, "usage"); code != 2 || !strings.Contains(errs, "{,.bad}") || strings.Count(errs, "\n") != 1 {
		t.Errorf("damaged usage.db: exit %d, %q", code, errs)
	}
}

// BenchmarkUsage100k is 'tier usage' (in process: open, ingest, report,
// print) over 100,000 logged calls; adversarial, every call in a group of
// its own (usage.Calls100k).
func BenchmarkUsage100k(b *testing.B) {
	for _, adversarial := range []bool{false, true} {
		vars := usage100kState(b, adversarial)
		for _, args := range [][]string{{"usage"}, {"usage", "--by", "tag", "--weekly", "--json"}, {"usage", "--by", "key"}} {
			b.Run(fmt.Sprintf("adversarial=%v/%s", adversarial, strings.Join(args[1:], " ")), func(b *testing.B) {
				for b.Loop() {
					if _, errs, code := runIn(vars, args...); code != 0 {
						b.Fatal(errs)
					}
				}
			})
		}
	}
}

// BenchmarkUsage100kBinary is the same as a process (the built binary,
// start-up included), as it is run: the target is 200 ms at worst.
func BenchmarkUsage100kBinary(b *testing.B) {
	bin := cli.ReleaseBinary(b)
	for _, adversarial := range []bool{false, true} {
		environ := cli.EnvironOf(usage100kState(b, adversarial))
		for _, args := range [][]string{{"usage"}, {"usage", "--by", "tag", "--weekly", "--json"}, {"usage", "--by", "key"}} {
			b.Run(fmt.Sprintf("adversarial=%v/%s", adversarial, strings.Join(args[1:], " ")), func(b *testing.B) {
				cli.BenchProcess(b, bin, environ, nil, args...)
			})
		}
	}
}

// usage100kState is a state directory with 100,000 calls of the last 30
// days logged, and the environment that points tier at it.
func usage100kState(b *testing.B, adversarial bool) map[string]string {
	dir := b.TempDir()
	db, err := usage.New(dir).Open()
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Insert(usage.Calls100k(time.Now().AddDate(0, 0, -30), adversarial)...); err != nil {
		b.Fatal(err)
	}
	db.Close()
	return map[string]string{"TIER_STATE_DIR": dir, "TIER_CONFIG_DIR": b.TempDir(), "HOME": b.TempDir()}
}
