//go:build unix

package main

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

// ciGateStep is the README's "Enough quota left?" step of the CI example:
// the variables its env sets and its command, split into words.
type ciGateStep struct {
	env  []string // variable names
	args []string // after "tier"
}

// readmeCIGate reads the gate step out of README.md, so that the test runs
// exactly what the README tells users to run.
func readmeCIGate(t *testing.T) ciGateStep {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "- name: Enough quota left?" {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatal(`README.md has no CI step "- name: Enough quota left?"`)
	}
	var step ciGateStep
	inEnv := false
	for _, l := range lines[start+1:] {
		tl := strings.TrimSpace(l)
		if strings.HasPrefix(tl, "- ") || tl == "```" {
			break
		}
		switch {
		case tl == "env:":
			inEnv = true
		case strings.HasPrefix(tl, "run:"):
			inEnv = false
			words := strings.Fields(strings.TrimPrefix(tl, "run:"))
			if len(words) == 0 || words[0] != "tier" {
				t.Fatalf("the README's gate step runs %q, not tier", tl)
			}
			step.args = words[1:]
		case inEnv && strings.Contains(tl, ":"):
			name, _, _ := strings.Cut(tl, ":")
			step.env = append(step.env, strings.TrimSpace(name))
		}
	}
	if len(step.args) == 0 {
		t.Fatal("the README's gate step has no run: line")
	}
	return step
}

// The README's CI gate, run exactly as written on a fresh runner (a fresh
// state directory) with a fake provider standing in for Groq: it passes when
// the key is in the step's environment and enough is left, and fails (exit 3)
// without the key and (exit 5) when too little is left. A gate must never
// pass when tier knows nothing.
func TestReadmeCIGate(t *testing.T) {
	step := readmeCIGate(t)
	if !strings.Contains(strings.Join(step.env, " "), "GROQ_API_KEY") {
		t.Errorf("the README's gate step does not put GROQ_API_KEY in its env (it has %v): without the key it cannot learn anything", step.env)
	}
	tests := []struct {
		name     string
		withKey  bool
		rpd      int64 // requests a day the fake provider reports as its limit
		code     int
		stderr   string
		requests int // chat requests the gate may spend (the probe)
	}{
		{"key in the env, plenty left", true, 14400, 0, "", 1},
		{"key in the env, too little left", true, 10, 5, "requirement not met: groq: llama-3.1-8b-instant: RPD 9 left, need 20", 1},
		{"no key", false, 14400, 3, "no key for groq", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeprovider.New(fakeprovider.Groq)
			fake.Key = testKey
			l := fakeprovider.DefaultLimits
			l.RPD = tc.rpd
			fake.SetLimits(l)
			srv := httptest.NewServer(fake)
			t.Cleanup(srv.Close)
			w := newWorldAt(t, srv.URL+"/v1", "groq")
			w.writeConfig("providers:\n  groq:\n    base_url: " + srv.URL + "/openai/v1\n")
			w.setenv("TIER_NO_KEYRING=1")
			for _, name := range step.env {
				if tc.withKey {
					w.setenv(name + "=" + testKey)
				} else {
					w.setenv(name + "=")
				}
			}
			r := w.tier(step.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r)
			}
			if tc.stderr != "" && !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("stderr lacks %q\n%s", tc.stderr, r)
			}
			if tc.code != 0 && !strings.Contains(r.stderr, "requirement not met") {
				t.Errorf("a failed gate must say which requirement is not met\n%s", r)
			}
			if n := len(fake.Requests()); n != tc.requests {
				t.Errorf("the gate spent %d chat requests, want %d\n%s", n, tc.requests, r)
			}
		})
	}
}
