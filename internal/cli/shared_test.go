package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"github.com/tier-cli/tier/internal/cli"
	"github.com/tier-cli/tier/internal/quota"
)

// machine is one tier "machine" of a fleet: its own state and config
// directories, sharing through TIER_SHARED.
type machine struct {
	t    *testing.T
	vars map[string]string
}

func newMachine(t *testing.T, shared, mode string) *machine {
	return &machine{t: t, vars: map[string]string{
		"TIER_STATE_DIR":   t.TempDir(),
		"TIER_CONFIG_DIR":  t.TempDir(),
		"TIER_NO_KEYRING":  "1",
		"TIER_SHARED":      shared,
		"TIER_SHARED_MODE": mode,
	}}
}

// fleetSeen is a fleet on a fresh miniredis where machine "a" (required
// mode) made one demo call, and a second machine b that made none.
func fleetSeen(t *testing.T) (r *miniredis.Miniredis, b *machine) {
	t.Helper()
	r = miniredis.RunT(t)
	url := "redis://" + r.Addr() + "/0"
	a := newMachine(t, url, "required")
	if _, stderr, code := a.run("chat", "-p", "demo", "--no-stdin", "-q", "hi"); code != 0 {
		t.Fatalf("machine a: exit %d: %s", code, stderr)
	}
	return r, newMachine(t, url, "required")
}

func (m *machine) run(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return m.vars[k] }}
	code = cli.Run(context.Background(), env, args)
	return out.String(), errb.String(), code
}

func TestSharedQuotaOnAFreshMachineShowsTheFleets(t *testing.T) {
	t.Parallel()
	r := miniredis.RunT(t)
	url := "redis://" + r.Addr() + "/0"
	a := newMachine(t, url, "required")
	for i := range 3 {
		if i < 2 { // the first two unshared, so that the fleet's limiter does not pace them
			a.vars["TIER_SHARED"] = ""
		} else {
			a.vars["TIER_SHARED"] = url
		}
		if _, stderr, code := a.run("chat", "-p", "demo", "--no-stdin", "-q", "hi"); code != 0 {
			t.Fatalf("machine a: exit %d: %s", code, stderr)
		}
	}
	b := newMachine(t, url, "required")
	out, stderr, code := b.run("quota", "--json")
	if code != 0 {
		t.Fatalf("machine b: exit %d: %s", code, stderr)
	}
	var snaps []quota.Snapshot
	if err := json.Unmarshal([]byte(out), &snaps); err != nil || len(snaps) != 1 {
		t.Fatalf("machine b's quota: %v\n%s", err, out)
	}
	s := snaps[0]
	if s.Shared == nil || s.Shared.Host == "" || s.Shared.At.IsZero() {
		t.Errorf("machine b's row is not marked shared: %+v", s)
	}
	for _, w := range s.Windows {
		if w.Period == "minute" && (w.Remaining == nil || *w.Remaining != 7) {
			t.Errorf("machine b sees %v left of the demo's RPM, want 7 (10 less a's 3)", w.Remaining)
		}
	}
	_, stderr, _ = b.run("quota")
	if !strings.Contains(stderr, "shared: demo/default/demo-echo-1 seen by ") {
		t.Errorf("tier quota's table does not say the row is the fleet's: %q", stderr)
	}
	// Without TIER_SHARED, the same fresh machine knows nothing: as before.
	c := newMachine(t, "", "")
	if out, _, _ := c.run("quota", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("without TIER_SHARED: %s, want []", out)
	}
}

func TestSharedA429IsLearnedByAll(t *testing.T) {
	t.Parallel()
	r := miniredis.RunT(t)
	url := "redis://" + r.Addr() + "/0"
	a := newMachine(t, url, "preferred")
	var code int
	var stderr string
	for i := range 11 { // the demo allows 10 a minute: the 11th is a 429, shared
		if i < 10 {
			a.vars["TIER_SHARED"] = ""
		} else {
			a.vars["TIER_SHARED"] = url
		}
		_, stderr, code = a.run("chat", "-p", "demo", "--no-stdin", "-q", "--retries", "0", "hi")
	}
	if code != 4 {
		t.Fatalf("machine a's 11th call: exit %d (%s), want 4", code, stderr)
	}
	b := newMachine(t, url, "preferred")
	_, stderr, code = b.run("chat", "-p", "demo", "--no-stdin", "-q", "--max-wait", "0s", "hi")
	if code != 4 || !strings.Contains(stderr, "cooling down after a 429") || !strings.Contains(stderr, "not sent") {
		t.Errorf("machine b after a's 429: exit %d, %q; want 4, not sent", code, stderr)
	}
	if out, _, _ := b.run("usage", "--json"); strings.Contains(out, "demo-echo-1") {
		t.Errorf("machine b sent a call: %s", out)
	}
}

func TestSharedRedisDown(t *testing.T) {
	t.Parallel()
	r := miniredis.RunT(t)
	url := "redis://" + r.Addr() + "/0"
	r.Close()

	req := newMachine(t, url, "required")
	out, stderr, code := req.run("chat", "-p", "demo", "--no-stdin", "hi")
	if code != 6 || out != "" || !strings.Contains(stderr, "shared mode is required") {
		t.Errorf("required, Redis down: exit %d, stdout %q, stderr %q; want 6 and nothing sent", code, out, stderr)
	}
	if out, _, _ := req.run("quota", "--json"); strings.Contains(out, "demo-echo-1") {
		t.Errorf("required, Redis down: a call was made: %s", out)
	}
	if _, _, code := req.run("quota"); code != 6 {
		t.Errorf("required, Redis down: tier quota exits %d, want 6", code)
	}

	pref := newMachine(t, url, "preferred")
	out, stderr, code = pref.run("chat", "-p", "demo", "--no-stdin", "hi")
	if code != 0 || out == "" || strings.Count(stderr, "using local state only") != 1 {
		t.Errorf("preferred, Redis down: exit %d, stderr %q; want 0 and one warning", code, stderr)
	}

	if out, _, code := pref.run("quota", "--shared-status", "--json"); code != 6 || !strings.Contains(out, `"reachable":false`) {
		t.Errorf("--shared-status, Redis down: exit %d, %s", code, out)
	}
}

func TestSharedStatus(t *testing.T) {
	t.Parallel()
	r := miniredis.RunT(t)
	m := newMachine(t, "redis://"+r.Addr()+"/0", "required")
	m.run("chat", "-p", "demo", "--no-stdin", "-q", "hi")
	out, stderr, code := m.run("quota", "--shared-status")
	if code != 0 || !strings.Contains(out, "reachable:  yes") || !strings.Contains(out, "(1 snapshots)") || !strings.Contains(out, "clock skew") {
		t.Errorf("exit %d: %s%s", code, out, stderr)
	}
	if _, stderr, code := newMachine(t, "", "").run("quota", "--shared-status"); code != 2 || !strings.Contains(stderr, "TIER_SHARED") {
		t.Errorf("--shared-status without TIER_SHARED: exit %d, %q", code, stderr)
	}
	// --jq filters it as it does every --json output.
	if out, stderr, code := m.run("quota", "--shared-status", "--jq", ".snapshots"); code != 0 || out != "1\n" {
		t.Errorf("--shared-status --jq .snapshots: exit %d, %q %s; want 1", code, out, stderr)
	}
	// What it cannot honour is refused, not ignored: it checks Redis only.
	for _, args := range [][]string{
		{"demo"}, {"--require", "rpm=1"}, {"--watch"}, {"--refresh"}, {"--format", "prometheus"}, {"--key", "work"}, {"-m", "m1"},
	} {
		out, stderr, code := m.run(append([]string{"quota", "--shared-status"}, args...)...)
		if code != 2 || out != "" || !strings.Contains(stderr, "--shared-status") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("--shared-status %v: exit %d, stdout %q, stderr %q; want 2 and one line", args, code, out, stderr)
		}
	}
}

func TestSharedFromProvidersYAML(t *testing.T) {
	t.Parallel()
	r := miniredis.RunT(t)
	r.RequireAuth("pw-from-cmd")
	m := newMachine(t, "", "")
	yaml := "shared:\n  url: redis://" + r.Addr() + "/0\n  mode: required\n  password_cmd: echo pw-from-cmd\n"
	if err := os.WriteFile(filepath.Join(m.vars["TIER_CONFIG_DIR"], "providers.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := m.run("quota", "--shared-status")
	if code != 0 || !strings.Contains(out, "mode:       required") || strings.Contains(out+stderr, "pw-from-cmd") {
		t.Errorf("exit %d: %s%s", code, out, stderr)
	}
	bad := "shared:\n  url: redis://:secret@" + r.Addr() + "/0\n"
	os.WriteFile(filepath.Join(m.vars["TIER_CONFIG_DIR"], "providers.yaml"), []byte(bad), 0o600)
	if _, stderr, code := m.run("quota"); code != 2 || strings.Contains(stderr, "secret") {
		t.Errorf("a password in shared.url: exit %d, %q; want 2, not echoed", code, stderr)
	}
}

// A Redis that refuses tier's password is the user's to fix (exit 2, what
// to check), not a network failure: nothing is sent either.
func TestSharedRedisRefusesThePassword(t *testing.T) {
	t.Parallel()
	r := miniredis.RunT(t)
	r.RequireAuth("right-password")
	m := newMachine(t, "redis://"+r.Addr()+"/0", "required")
	m.vars["TIER_SHARED_PASSWORD"] = "wrong-password"
	out, stderr, code := m.run("chat", "-p", "demo", "--no-stdin", "hi")
	if code != cli.ExitUsage || out != "" || !strings.Contains(stderr, "refused tier") || !strings.Contains(stderr, "TIER_SHARED_PASSWORD") {
		t.Errorf("wrong password: exit %d, stdout %q, stderr %q; want 2, nothing sent, what to check", code, out, stderr)
	}
	if strings.Contains(stderr, "wrong-password") {
		t.Errorf("the password was printed: %s", stderr)
	}
}
