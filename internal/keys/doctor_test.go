package keys

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
)

// The probe read tells a working keyring (ErrNotFound) from one that is
// missing, unreachable or hung.
func TestDoctorProbe(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		lib       *libFake
		wantOK    bool
		wantState string
		wantWhat  string // substring of an error finding
		wantFix   string
		wantCalls int32
	}{
		{name: "working", env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, lib: &libFake{err: errNotFoundLib},
			wantOK: true, wantState: "reachable and unlocked", wantCalls: 1},
		{name: "no session bus", env: map[string]string{}, lib: &libFake{},
			wantState: "unavailable: no D-Bus session bus", wantWhat: "no D-Bus session bus", wantFix: "--insecure-storage"},
		{name: "no secret service", env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"},
			lib:       &libFake{err: errors.New("The name org.freedesktop.secrets was not provided by any .service files")},
			wantState: "unavailable: The name org.freedesktop.secrets was not provided by any .service files",
			wantWhat:  "cannot be used", wantFix: "install and start gnome-keyring", wantCalls: 1},
		{name: "locked and prompting", env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, lib: &libFake{block: make(chan struct{})},
			wantState: "no answer in time", wantWhat: "did not answer in time", wantFix: "unlock it", wantCalls: 1},
		{name: "disabled", env: map[string]string{"TIER_NO_KEYRING": "1", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, lib: &libFake{},
			wantState: "disabled by TIER_NO_KEYRING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := newTestEnv(t)
			te.env = tt.env
			te.m.Backend = newFakeSystem(tt.env, tt.lib)
			r := te.m.Doctor(t.Context(), nil)
			if tt.lib.block != nil {
				close(tt.lib.block)
			}
			if r.KeyringOK != tt.wantOK || r.Keyring != tt.wantState || r.Backend != "Secret Service over D-Bus" {
				t.Errorf("report: ok %v, state %q, backend %q", r.KeyringOK, r.Keyring, r.Backend)
			}
			if n := tt.lib.calls.Load(); n != tt.wantCalls {
				t.Errorf("go-keyring called %d times, want %d", n, tt.wantCalls)
			}
			if tt.wantWhat == "" {
				if !r.OK() {
					t.Errorf("problems: %+v", r.Problems)
				}
				return
			}
			if r.OK() || !hasProblem(r, SeverityError, tt.wantWhat, tt.wantFix) {
				t.Errorf("want an error %q with fix %q; got %+v", tt.wantWhat, tt.wantFix, r.Problems)
			}
		})
	}
}

var errNotFoundLib = keyringErrNotFound()

func hasProblem(r Report, sev, what, fix string) bool {
	for _, p := range r.Problems {
		if p.Severity == sev && strings.Contains(p.What, what) && strings.Contains(p.Fix, fix) {
			return true
		}
	}
	return false
}

func TestDoctorFindings(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{})
	te.set(t, "work", goodKey2, SetOptions{})
	te.set(t, "spare", goodKey3, SetOptions{Insecure: true})
	te.b.MemoryBackend.Delete(Service("groq"), "work") // removed behind tier's back
	*te.now = t0.Add(120 * 24 * time.Hour)
	te.env["GROQ_API_KEY"] = "test-key-env-groq-77"
	moved := *te.profile
	moved.BaseURL = "https://evil.example/v1"

	r := te.m.Doctor(t.Context(), map[string]*catalog.Profile{"groq": &moved})
	want := []struct{ sev, what, fix string }{
		{SeverityError, `the key "work" for groq (…0002) is recorded as in the keyring, but the keyring does not have it`, "tier keys set groq --name work"},
		{SeverityError, "now points at evil.example", "tier keys test groq"},
		{SeverityWarning, "GROQ_API_KEY overrides the stored key for groq (…0001)", "unset GROQ_API_KEY"},
		{SeverityWarning, "the key for groq (…0001) is 120 days old, past its rotation period of 90d", "tier keys rotate groq"},
		{SeverityWarning, "1 key is stored in plaintext in " + te.m.InsecurePath(), "tier keys set PROVIDER"},
	}
	for _, w := range want {
		if !hasProblem(r, w.sev, w.what, w.fix) {
			t.Errorf("missing %s %q (fix %q)", w.sev, w.what, w.fix)
		}
	}
	if r.InsecureKeys != 1 || r.InsecureFile != te.m.InsecurePath() {
		t.Errorf("plaintext: %d keys in %q", r.InsecureKeys, r.InsecureFile)
	}
	// Errors come first.
	for i := 1; i < len(r.Problems); i++ {
		if r.Problems[i-1].Severity != SeverityError && r.Problems[i].Severity == SeverityError {
			t.Errorf("problems out of order: %+v", r.Problems)
		}
	}
	var out bytes.Buffer
	r.Write(&out)
	for _, s := range []string{goodKey, goodKey2, goodKey3, "test-key-env-groq-77"} {
		if strings.Contains(out.String(), s) {
			t.Errorf("the report shows a key")
		}
	}
	if !strings.Contains(out.String(), "error: ") || !strings.Contains(out.String(), "  fix: ") ||
		!strings.Contains(out.String(), "plaintext:   "+te.m.InsecurePath()+" (1 key)\n") {
		t.Errorf("report text:\n%s", out.String())
	}
}

func TestDoctorHealthy(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{})
	r := te.m.Doctor(t.Context(), map[string]*catalog.Profile{"groq": te.profile})
	if !r.OK() || len(r.Problems) != 0 || !r.KeyringOK {
		t.Errorf("healthy setup reports %+v", r)
	}
	var out bytes.Buffer
	r.Write(&out)
	if !strings.Contains(out.String(), "no problems found") {
		t.Errorf("report text:\n%s", out.String())
	}
}
