package shared

import (
	"context"
	"errors"
	"net"
	neturl "net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/tier-cli/tier/internal/quota"
)

var quotaOK = quota.Result{Class: quota.ClassOK}

var t0 = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// newMini is a miniredis at t0 and a fleet on it for host.
func newMini(t *testing.T) *miniredis.Miniredis {
	t.Helper()
	m := miniredis.RunT(t)
	m.SetTime(t0)
	return m
}

func open(t *testing.T, url, host string, mode Mode, warn func(string)) *Fleet {
	t.Helper()
	f, err := Open(Config{URL: url, Mode: mode, Host: host}, warn, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func i64(v int64) *int64 { return &v }

func snap(remaining int64, at time.Time) quota.Snapshot {
	reset := at.Add(40 * time.Second)
	return quota.Snapshot{Provider: "groq", Key: "default", Model: "llama", ObservedAt: at,
		Windows: []quota.Window{{Metric: quota.Requests, Period: "minute", Limit: i64(60), Remaining: i64(remaining), ResetAt: &reset, Source: "header"}}}
}

func TestFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, ok, err := FromEnv(env(nil)); ok || err != nil {
		t.Fatalf("unset: ok=%v err=%v, want off", ok, err)
	}
	cfg, ok, err := FromEnv(env(map[string]string{"TIER_SHARED": "rediss://ci@redis.example:6380/2", "TIER_SHARED_PASSWORD": "pw"}))
	if !ok || err != nil || cfg.Mode != Preferred || cfg.Password != "pw" {
		t.Fatalf("got %+v ok=%v err=%v", cfg, ok, err)
	}
	for _, bad := range []map[string]string{
		{"TIER_SHARED": "redis://:secret@host:6379/0"},
		{"TIER_SHARED": "http://host:6379"},
		{"TIER_SHARED": "redis://host:6379/0", "TIER_SHARED_MODE": "maybe"},
	} {
		if _, _, err := FromEnv(env(bad)); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
	// A bad mode names where it came from.
	if _, _, err := FromEnv(env(map[string]string{"TIER_SHARED": "redis://host:6379/0", "TIER_SHARED_MODE": "Required"})); err == nil || !strings.Contains(err.Error(), `TIER_SHARED_MODE "Required"`) {
		t.Errorf("TIER_SHARED_MODE=Required: %v, want it named", err)
	}
	if _, err := FromCatalog("redis://host:6379/0", "maybe"); err == nil || !strings.Contains(err.Error(), `providers.yaml: shared: mode "maybe"`) {
		t.Errorf("providers.yaml's shared.mode: maybe: %v, want it named", err)
	}
	if _, err := FromCatalog("redis://:pw@host:6379/0", ""); err == nil || err.Error() != "providers.yaml: shared: url must not hold a password: give it in TIER_SHARED_PASSWORD" {
		t.Errorf("a password in providers.yaml's shared.url: %v", err)
	}
	_, _, err = FromEnv(env(map[string]string{"TIER_SHARED": "redis://:s3cr3t-pw@host:6379/0"}))
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("a password in the URL: %v (must be refused without echoing it)", err)
	}
}

func TestSnapshotsNewestWinsAndWhoSawIt(t *testing.T) {
	m := newMini(t)
	a := open(t, "redis://"+m.Addr(), "runner-a", Required, nil)
	b := open(t, "redis://"+m.Addr(), "runner-b", Required, nil)
	ctx := context.Background()
	if err := a.Publish(ctx, snap(40, t0), "id1", "…a1b2"); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, snap(50, t0.Add(-time.Second)), "id1", "…a1b2"); err != nil { // older: kept out
		t.Fatal(err)
	}
	got, err := b.Snapshots(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("got %v, %v", got, err)
	}
	e := got[0]
	if *e.Snapshot.Windows[0].Remaining != 40 || e.Host != "runner-a" || e.Fingerprint != "…a1b2" || !e.At.Equal(t0) {
		t.Errorf("got %+v, want runner-a's 40 left", e)
	}
}

func TestA429IsLearnedByAll(t *testing.T) {
	m := newMini(t)
	a := open(t, "redis://"+m.Addr(), "runner-a", Required, nil)
	b := open(t, "redis://"+m.Addr(), "runner-b", Required, nil)
	ctx := context.Background()
	if _, w, _, err := b.Before(ctx, "groq", "id1", "llama", 1); w != 0 || err != nil {
		t.Fatalf("before any 429: wait %v, %v", w, err)
	}
	s := snap(0, t0)
	a.After(ctx, "groq", "id1", "…a1b2", "llama", &quota.Result{Class: quota.ClassRateLimited, RetryAfter: 7 * time.Second}, &s, 0)
	_, w, why, err := b.Before(ctx, "groq", "id1", "llama", 1)
	if err != nil || w != 7*time.Second || !strings.Contains(why, "429") || !strings.Contains(why, "runner-a") {
		t.Fatalf("runner-b after runner-a's 429: wait %v (%q), %v; want 7s", w, why, err)
	}
	if _, w, _, _ := b.Before(ctx, "groq", "id2", "llama", 1); w != 0 {
		t.Errorf("another key waits %v: a block is per key", w)
	}
	reset := t0.Add(time.Hour)
	a.After(ctx, "groq", "id1", "", "other", &quota.Result{Class: quota.ClassQuotaExhausted,
		Exhausted: &quota.Window{Metric: quota.Requests, Period: "day", ResetAt: &reset}}, nil, 0)
	if _, w, why, _ := b.Before(ctx, "groq", "id1", "other", 1); w != time.Hour || !strings.Contains(why, "exhausted") {
		t.Errorf("exhausted: wait %v (%q), want 1h", w, why)
	}
}

func TestCountersExpireAtTheWindowsReset(t *testing.T) {
	m := newMini(t)
	a := open(t, "redis://"+m.Addr(), "runner-a", Required, nil)
	b := open(t, "redis://"+m.Addr(), "runner-b", Required, nil)
	ctx := context.Background()
	s := snap(30, t0)
	a.After(ctx, "groq", "id1", "", "llama", &quota.Result{Class: quota.ClassOK}, &s, 100)
	b.After(ctx, "groq", "id1", "", "llama", &quota.Result{Class: quota.ClassOK}, &s, 100)
	k := "tier:use:groq:id1:llama/requests/minute:" + strconv.FormatInt(s.Windows[0].ResetAt.Unix(), 10)
	if v, err := m.Get(k); err != nil || v != "2" {
		t.Fatalf("%s = %q, %v; want 2", k, v, err)
	}
	if ttl := m.TTL(k); ttl <= 0 || ttl > 40*time.Second {
		t.Errorf("TTL %v, want until the reset (40s)", ttl)
	}
}

func TestNoKeyMaterialInRedis(t *testing.T) {
	m := newMini(t)
	const secret = "fake-groq-0123456789abcdefSECRET" // not shaped like a real key
	a := open(t, "redis://"+m.Addr(), "runner-a", Required, nil)
	ctx := context.Background()
	id := KeyID(secret)
	s := snap(10, t0)
	a.After(ctx, "groq", id, "…CRET", "llama", &quota.Result{Class: quota.ClassOK}, &s, 5)
	a.After(ctx, "groq", id, "…CRET", "llama", &quota.Result{Class: quota.ClassRateLimited, RetryAfter: time.Second}, &s, 0)
	keys := m.Keys()
	if len(keys) < 3 {
		t.Fatalf("only %v stored", keys)
	}
	for _, k := range keys {
		vals := []string{k}
		switch m.Type(k) {
		case "hash":
			fields, _ := m.HKeys(k)
			for _, f := range fields {
				vals = append(vals, f, m.HGet(k, f))
			}
		case "string":
			v, _ := m.Get(k)
			vals = append(vals, v)
		}
		for _, v := range vals {
			for i := 0; i+8 <= len(secret); i++ { // any 8 characters of it
				if strings.Contains(v, secret[i:i+8]) {
					t.Errorf("key material %q in %s: %q", secret[i:i+8], k, v)
				}
			}
		}
	}
}

func TestRedisDown(t *testing.T) {
	m := newMini(t)
	addr := m.Addr()
	m.Close()
	ctx := context.Background()

	req := open(t, "redis://"+addr, "a", Required, nil)
	_, _, _, err := req.Before(ctx, "groq", "id", "m", 1)
	var un *Unavailable
	if !errors.As(err, &un) {
		t.Fatalf("required, Redis down: %v, want *Unavailable", err)
	}
	// One line that says what happened and what to do.
	for _, want := range []string{"connection refused", "sends no call", "tier quota --shared-status", "preferred"} {
		if msg := err.Error(); !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
			t.Errorf("required, Redis down: %q, want one line saying %q", msg, want)
		}
	}

	var warned atomic.Int32
	var msg atomic.Value
	pref := open(t, "redis://"+addr, "a", Preferred, func(s string) { warned.Add(1); msg.Store(s) })
	for range 3 {
		if _, _, _, err := pref.Before(ctx, "groq", "id", "m", 1); err != nil {
			t.Fatalf("preferred: %v", err)
		}
		s := snap(1, t0)
		pref.After(ctx, "groq", "id", "", "m", &quota.Result{Class: quota.ClassOK}, &s, 1)
	}
	if warned.Load() != 1 || !pref.Local() || !strings.Contains(msg.Load().(string), "local state only") {
		t.Errorf("preferred, Redis down: warned %d times (%v), local %v; want once", warned.Load(), msg.Load(), pref.Local())
	}
}

func TestRedisSlow(t *testing.T) {
	// A server that accepts and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int32 // one a Redis operation tried: each times out and drops its connection
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			defer c.Close()
		}
	}()
	req := open(t, "redis://"+ln.Addr().String(), "a", Required, nil)
	start := time.Now()
	_, _, _, err = req.Before(context.Background(), "groq", "id", "m", 1)
	if el := time.Since(start); el > time.Second {
		t.Errorf("a silent Redis took %v; each operation is bounded by %v", el, DefaultTimeout)
	}
	if !errors.As(err, new(*Unavailable)) {
		t.Errorf("required, Redis silent: %v, want *Unavailable", err)
	}
	pref := open(t, "redis://"+ln.Addr().String(), "a", Preferred, nil)
	conns.Store(0)
	start = time.Now()
	if _, _, _, err := pref.Before(context.Background(), "groq", "id", "m", 1); err != nil || !pref.Local() {
		t.Errorf("preferred, Redis silent: %v, local %v", err, pref.Local())
	}
	// Once it has fallen back to local state, it asks Redis nothing more:
	// one timeout, not one an operation.
	if n, el := conns.Load(), time.Since(start); n != 1 {
		t.Errorf("preferred, Redis silent: %d operations tried in %v, want 1 and then local state only", n, el.Round(time.Millisecond))
	}
}

// realRedis is TIER_TEST_REDIS (set by .ci/run), flushed; the test is
// skipped without it, and fails without it in CI.
func realRedis(t *testing.T) string {
	t.Helper()
	url := os.Getenv("TIER_TEST_REDIS")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("TIER_TEST_REDIS is not set in CI: .ci/run starts a Redis and sets it")
		}
		t.Skip("no real Redis: set TIER_TEST_REDIS=redis://127.0.0.1:16379/0 (.ci/run does)")
	}
	return url
}

func TestRealRedisStatusAndSnapshots(t *testing.T) {
	url := realRedis(t)
	prefix := "tiertest:" + KeyID(t.Name()+time.Now().String()) + ":"
	f, err := Open(Config{URL: url, Mode: Required, Host: "ci", Prefix: prefix}, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	now := time.Now().UTC()
	if err := f.Publish(ctx, snap(12, now), "id", "…zz"); err != nil {
		t.Fatal(err)
	}
	got, err := f.Snapshots(ctx)
	if err != nil || len(got) != 1 || *got[0].Snapshot.Windows[0].Remaining != 12 {
		t.Fatalf("got %+v, %v", got, err)
	}
	st := f.Status(ctx)
	if !st.Reachable || st.Keys != 1 || st.Snapshots != 1 || st.SkewMS > 1000 || st.SkewMS < -1000 || st.Server == "" {
		t.Errorf("status %+v", st)
	}
	f.Client().Del(ctx, prefix+"snap:groq:id:llama")
}

// Correct moves a reservation by the call's actual cost less its worst
// case, never below 0, keeps the period's expiry, and leaves a period
// that is over (its key gone) gone.
func TestCorrectReservation(t *testing.T) {
	m := newMini(t)
	f := open(t, "redis://"+m.Addr()+"/0", "a", Required, nil)
	ctx := context.Background()
	end := t0.Add(time.Hour)
	for _, c := range []struct {
		amount, delta, want float64
	}{
		{amount: 20, delta: -10, want: 10}, // half the worst case
		{amount: 20, delta: -20, want: 0},  // released
		{amount: 20, delta: -25, want: 0},  // never below 0
		{amount: 20, delta: 3, want: 23},   // more than the worst case
		{amount: 0.002, delta: -0.0005, want: 0.0015},
	} {
		m.FlushAll()
		if ok, err := f.Reserve(ctx, "b:day:1", 100, 0, c.amount, end); !ok || err != nil {
			t.Fatalf("reserve: %v %v", ok, err)
		}
		if err := f.Correct(ctx, "b:day:1", c.delta); err != nil {
			t.Fatal(err)
		}
		got, _ := strconv.ParseFloat(mustGet(t, m, "tier:budget:b_day_1"), 64)
		if d := got - c.want; d > 1e-12 || d < -1e-12 {
			t.Errorf("%v reserved, corrected by %v: %v, want %v", c.amount, c.delta, got, c.want)
		}
		if ttl := m.TTL("tier:budget:b_day_1"); ttl <= 0 {
			t.Errorf("expiry lost: TTL %v", ttl)
		}
	}
	m.FlushAll()
	if err := f.Correct(ctx, "b:day:1", -5); err != nil || m.Exists("tier:budget:b_day_1") {
		t.Errorf("a period that is over came back: %v", err)
	}
}

func mustGet(t *testing.T, m *miniredis.Miniredis, k string) string {
	t.Helper()
	v, err := m.Get(k)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The README's least-privilege ACL user is enough for everything tier
// does on Redis: the user is created from the README's own line, and every
// operation of the fleet runs as that user in required mode, where a
// NOPERM would be an error (or, after a call, a warning).
func TestREADMEACLUserIsEnough(t *testing.T) {
	url := realRedis(t)
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(readme), "ACL SETUSER tier ")
	if i < 0 {
		t.Fatal("README has no 'ACL SETUSER tier' line")
	}
	line := strings.SplitN(string(readme[i:]), "\n", 2)[0]
	const pw = "acl-test-pw-0001"
	var args []any
	for _, f := range strings.Fields(line) {
		args = append(args, strings.Replace(f, ">PASSWORD", ">"+pw, 1))
	}
	admin := open(t, url, "admin", Required, nil)
	ctx := context.Background()
	if err := admin.Client().Do(ctx, args...).Err(); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	t.Cleanup(func() { admin.Client().Do(ctx, "ACL", "DELUSER", "tier") })
	u, _ := neturl.Parse(url)
	u.User = neturl.User("tier")

	var warned []string
	f, err := Open(Config{URL: u.String(), Mode: Required, Password: pw, Host: "acl", Timeout: 2 * time.Second},
		func(s string) { warned = append(warned, s) }, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s as the README's ACL user: %v", what, err)
		}
	}
	now := time.Now()
	id := KeyID(t.Name() + now.String())
	must("Check", f.Check(ctx))
	_, _, _, err = f.Before(ctx, "groq", id, "llama", 10) // nothing known: the first reading
	must("Before (first)", err)
	s := snap(30, now)
	s.Windows = append(s.Windows, quota.Window{Metric: quota.Tokens, Period: "minute", Limit: i64(6000), Remaining: i64(5000), ResetAt: s.Windows[0].ResetAt, Source: "header"})
	f.After(ctx, "groq", id, "…0001", "llama", &quota.Result{Class: quota.ClassOK}, &s, 10)
	tk, _, _, err := f.Before(ctx, "groq", id, "llama", 10) // paced, admitted into the windows as read
	must("Before (paced)", err)
	tk.Land(ctx, 4)
	f.After(ctx, "groq", id, "…0001", "llama", &quota.Result{Class: quota.ClassRateLimited, RetryAfter: time.Second}, &s, 0)
	_, _, err = f.Blocked(ctx, "groq", id, "llama")
	must("Blocked", err)
	_, err = f.Snapshots(ctx)
	must("Snapshots", err)
	key := "acl:day:" + id
	_, err = f.Reserve(ctx, key, 100, 0, 10, now.Add(time.Hour))
	must("Reserve", err)
	must("Correct", f.Correct(ctx, key, -4))
	if st := f.Status(ctx); !st.Reachable || st.Server == "" {
		t.Errorf("Status as the README's ACL user: %+v", st)
	}
	for _, w := range warned {
		t.Errorf("as the README's ACL user: %s", w)
	}
}

// A Redis that answers but refuses tier's password (or has none for it)
// is a configuration to fix, said as one, not "unavailable"; a Redis out
// of reach is not refused.
func TestRedisRefusedIsNotUnavailable(t *testing.T) {
	m := newMini(t)
	m.RequireAuth("right-password")
	for _, tt := range []struct {
		name, password string
	}{{"wrong password", "wrong-password"}, {"no password", ""}} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Open(Config{URL: "redis://" + m.Addr() + "/0", Mode: Required, Host: "a", Password: tt.password}, nil, func() time.Time { return t0 })
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var u *Unavailable
			if err := f.Check(context.Background()); !errors.As(err, &u) || !u.Refused() {
				t.Fatalf("Check = %v, want a refused *Unavailable", err)
			}
			if msg := u.Error(); !strings.Contains(msg, "refused tier") || !strings.Contains(msg, "TIER_SHARED_PASSWORD") {
				t.Errorf("message %q does not say what to fix", msg)
			}
		})
	}
	down := open(t, "redis://127.0.0.1:1/0", "a", Required, nil)
	var u *Unavailable
	if err := down.Check(context.Background()); !errors.As(err, &u) || u.Refused() {
		t.Errorf("out of reach: %v, want an *Unavailable that is not refused", err)
	}
}
