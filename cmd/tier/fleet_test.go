//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/shared"
)

// The fleet on the built binary: four `tier batch` processes at once, each
// a "machine" with its own HOME and TIER_STATE_DIR, against one fake
// provider enforcing fleetRPM requests per minute; fleetRows rows each, so
// the fleet asks for more than one minute allows. Without TIER_SHARED every
// machine believes it has the whole RPM and the provider answers some rows
// with 429; with TIER_SHARED at one Redis the fleet stays under it and gets
// none. Either way every row is in its machine's output exactly once. Then a
// fifth, fresh machine's `tier quota --json` shows what the provider's last
// header said (± the calls in flight: none, once the runs are over).
//
// The minute is a real one: tier's pacing reads the provider's windows from
// its headers (a Cerebras-style "requests/min" window whose reset is stated
// in seconds) and cannot be told a shorter minute from outside the process,
// as the in-process fleet test (internal/shared fleetRun) does. So the two
// runs, each against its own fake, go at the same time; each lasts a little
// more than a minute (the rows past the first minute wait for the second).
const (
	fleetMachines = 4
	fleetRPM      = 60
	fleetRows     = 16 // per machine: 64 rows against 60 a minute
)

func TestFleetBatchProcessesShareOneRateLimit(t *testing.T) {
	url := os.Getenv("TIER_TEST_REDIS")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("TIER_TEST_REDIS is not set in CI: .ci/run starts a Redis and sets it")
		}
		t.Skip("no real Redis: TIER_TEST_REDIS is unset (.ci/run starts one); this test runs 4 tier processes sharing it")
	}
	if testing.Short() {
		t.Skip("takes a little more than a real minute")
	}
	url = otherDB(t, url)
	f, err := shared.Open(shared.Config{URL: url, Mode: shared.Required}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Client().FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	type outcome struct {
		fake    *fakeprovider.Server
		base    string
		outputs []string
		last    quota.Snapshot // the provider's last header, as the machine that read it last stored it
	}
	runFleet := func(t *testing.T, sharedURL string) outcome {
		fake := fakeprovider.New(fakeprovider.Cerebras)
		fake.Key = testKey
		fake.Limits = fakeprovider.Limits{RPM: fleetRPM, RPD: 1_000_000, TPM: 10_000_000}
		fake.Enforce = &fakeprovider.Enforce{} // a real minute
		srv := httptest.NewServer(fake)
		t.Cleanup(srv.Close)
		o := outcome{fake: fake, base: srv.URL + "/v1"}
		var wg sync.WaitGroup
		var machines []*world
		results := make([]result, fleetMachines)
		for i := range fleetMachines {
			w := fleetMachine(t, srv.URL+"/v1", sharedURL)
			var in strings.Builder
			for j := 1; j <= fleetRows; j++ {
				fmt.Fprintf(&in, "machine %d prompt %d\n", i, j)
			}
			input, output := filepath.Join(w.dir, "in.txt"), filepath.Join(w.dir, "out.jsonl")
			if err := os.WriteFile(input, []byte(in.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			o.outputs = append(o.outputs, output)
			machines = append(machines, w)
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = w.run(run{args: []string{"batch", "-p", "fake", "--prompts", input, "-o", output, "-q"}, timeout: 150 * time.Second})
			}()
		}
		wg.Wait()
		for i, r := range results {
			if r.code != 0 {
				t.Errorf("machine %d:\n%s", i, r)
			}
			checkOnce(t, o.outputs[i], fleetRows)
			if s, ok := machines[i].snapshot(); ok && s.ObservedAt.After(o.last.ObservedAt) {
				o.last = s
			}
		}
		return o
	}

	var alone, fleet outcome
	start := time.Now()
	t.Run("at once", func(t *testing.T) {
		t.Run("alone", func(t *testing.T) { t.Parallel(); alone = runFleet(t, "") })
		t.Run("shared", func(t *testing.T) { t.Parallel(); fleet = runFleet(t, url) })
	})
	if alone.fake == nil || fleet.fake == nil {
		t.FailNow()
	}
	t.Logf("both runs in %s; 429s: %d without sharing, %d with", time.Since(start).Round(time.Second), alone.fake.Rejected(), fleet.fake.Rejected())

	if alone.fake.Rejected() == 0 {
		t.Errorf("without TIER_SHARED the provider answered no request with 429: the test does not show what sharing prevents")
	}
	if n := fleet.fake.Rejected(); n != 0 {
		t.Errorf("with TIER_SHARED the provider answered %d requests with 429, want none", n)
	}
	if n := fleet.fake.Used().Requests; n != fleetMachines*fleetRows {
		t.Errorf("with TIER_SHARED the provider answered %d requests, want %d (one a row)", n, fleetMachines*fleetRows)
	}

	want, ok := requestsLeft(fleet.last)
	if !ok {
		t.Fatalf("no machine stored a requests/minute reading: %+v", fleet.last)
	}

	checkNoKeyInRedis(t, url)

	fifth := fleetMachine(t, fleet.base, url)
	sent := fleet.fake.Used().Requests
	r := fifth.tier("quota", "fake", "--json")
	if r.code != 0 {
		t.Fatalf("fifth machine:\n%s", r)
	}
	if n := fleet.fake.Used().Requests; n != sent {
		t.Errorf("tier quota on the fifth machine sent %d requests to the provider, want none", n-sent)
	}
	var snaps []quota.Snapshot
	if err := json.Unmarshal([]byte(r.stdout), &snaps); err != nil {
		t.Fatalf("fifth machine's stdout is not a JSON array of snapshots: %v\n%s", err, r)
	}
	var fresh quota.Snapshot
	for _, s := range snaps {
		if s.Model == "m1" {
			fresh = s
		}
	}
	got, ok := requestsLeft(fresh)
	if !ok || fresh.Shared == nil {
		t.Fatalf("fifth machine: want the fleet's reading of m1, marked shared:\n%s", r)
	}
	t.Logf("the fifth machine sees %d requests left this minute (seen by %s); the provider's last header said %d", got, fresh.Shared.Host, want)
	if got-want > fleetMachines || want-got > fleetMachines { // a row in flight per machine as the last header was read
		t.Errorf("fifth machine sees %d requests left this minute, the provider's last header said %d", got, want)
	}
}

// fleetMachine is one machine of the fleet: its own HOME, config and state
// directories, provider "fake" at base with the RPM the provider publishes,
// and TIER_SHARED (required) unless sharedURL is empty.
func fleetMachine(t *testing.T, base, sharedURL string) *world {
	t.Helper()
	w := newWorldAt(t, base, "cerebras")
	w.writeConfig(fmt.Sprintf("providers:\n  fake:\n    base_url: %q\n    key_env: FAKE_KEY\n    default_model: m1\n    dialect: cerebras\n"+
		"    limits:\n      - tier: free\n        models: [\"*\"]\n        rpm: %d\n        as_of: 2026-11-01\n        source: test\n"+
		// A hard budget that never binds: its reservations are in Redis too.
		"budgets:\n  - {name: fleet, provider: fake, limit: 10000000, unit: tokens, period: total}\n", base, fleetRPM))
	if sharedURL != "" {
		w.setenv("TIER_SHARED="+sharedURL, "TIER_SHARED_MODE=required")
	}
	return w
}

// requestsLeft is a snapshot's requests left in its minute window.
func requestsLeft(s quota.Snapshot) (int64, bool) {
	for _, w := range s.Windows {
		if w.Metric == quota.Requests && w.Period == "minute" && w.Remaining != nil {
			return *w.Remaining, true
		}
	}
	return 0, false
}

// checkNoKeyInRedis scans every key of the Redis at url, and every value
// (strings and hashes, the only types tier writes), for the API key or any
// 8 characters of it: only its 4-character fingerprint may be there.
func checkNoKeyInRedis(t *testing.T, url string) {
	t.Helper()
	f, err := shared.Open(shared.Config{URL: url, Mode: shared.Required, Timeout: 2 * time.Second}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, rdb := context.Background(), f.Client()
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("Redis holds %d keys (%v): the fleet shared nothing", len(keys), err)
	}
	kinds := map[string]int{}
	for _, k := range keys {
		vals := []string{k}
		switch typ := rdb.Type(ctx, k).Val(); typ {
		case "string":
			vals = append(vals, rdb.Get(ctx, k).Val())
		case "hash":
			for field, v := range rdb.HGetAll(ctx, k).Val() {
				vals = append(vals, field, v)
			}
		default:
			t.Errorf("%s is a Redis %s: this scan reads only strings and hashes", k, typ)
		}
		kinds[strings.SplitN(k, ":", 3)[1]]++
		for _, v := range vals {
			for i := 0; i+8 <= len(testKey); i++ {
				if strings.Contains(v, testKey[i:i+8]) {
					t.Errorf("Redis key %s holds %q of the API key: %q", k, testKey[i:i+8], v)
				}
			}
		}
	}
	t.Logf("no key material in Redis's %d keys: %v", len(keys), kinds)
	for _, kind := range []string{"snap", "budget", "gcra"} {
		if kinds[kind] == 0 {
			t.Errorf("no tier:%s:… key in Redis: the scan missed what the fleet shares", kind)
		}
	}
}

// otherDB is the Redis at url with the database after its own: the
// packages' tests run at once, and internal/shared's flush url's database
// as they start, which would wipe the fleet's state mid-run.
func otherDB(t *testing.T, url string) string {
	t.Helper()
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatalf("TIER_TEST_REDIS: %v", err)
	}
	db, _ := strconv.Atoi(strings.TrimPrefix(u.Path, "/"))
	u.Path = fmt.Sprintf("/%d", (db+1)%16)
	return u.String()
}

// Two machines' first calls at once, on a fresh Redis: one goes first, the
// other waits for its reading of the limits, saying so once (the wait is
// asked again every 50 ms while that reading is on its way), after the
// provider's name.
func TestFleetFirstReadingWaitIsSaidOnce(t *testing.T) {
	url := "redis://" + miniredis.RunT(t).Addr() + "/0"
	fake := fakeprovider.New(fakeprovider.Cerebras, fakeprovider.Step{Reply: "ok", Delay: 700 * time.Millisecond})
	fake.Key = testKey
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range results {
		w := fleetMachine(t, srv.URL+"/v1", url)
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = w.tier("chat", "-p", "fake", "hi")
		}()
	}
	wg.Wait()
	waits := 0
	for _, r := range results {
		if r.code != 0 || r.stdout != "ok\n" {
			t.Errorf("want both answered:\n%s", r)
		}
		n := strings.Count(r.stderr, "first reading")
		if n > 1 || (n == 1 && !strings.Contains(r.stderr, "fake: waiting for the fleet's first reading")) {
			t.Errorf("the wait for the first reading said %d times, want once, after the provider's name:\n%s", n, r)
		}
		waits += n
	}
	if waits != 1 {
		t.Errorf("%d machines waited for the first reading, want 1: %s\n%s", waits, results[0], results[1])
	}
}
