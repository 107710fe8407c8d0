package keys

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
)

func TestList(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{})
	te.set(t, "work", goodKey2, SetOptions{Insecure: true, NoVerify: true, BaseURL: te.profile.BaseURL})
	*te.now = t0.Add(100 * 24 * time.Hour)
	if _, err := te.m.Set(t.Context(), "cerebras", "", goodKey3, SetOptions{NoVerify: true, RotateAfter: -1}); err != nil {
		t.Fatal(err)
	}
	profiles := map[string]*catalog.Profile{
		"groq":      te.profile,
		"cerebras":  {Name: "cerebras", KeyEnv: catalog.StringList{"CEREBRAS_API_KEY"}},
		"mistral":   {Name: "mistral", KeyEnv: catalog.StringList{"MISTRAL_API_KEY"}},
		"openai":    {Name: "openai", KeyEnv: catalog.StringList{"OPENAI_API_KEY"}, KeyCmd: "pass show openai"},
		"demo":      {Name: "demo", NoKey: true},
		"nothing":   {Name: "nothing", KeyEnv: catalog.StringList{"NOTHING_API_KEY"}},
		"localhost": {Name: "localhost", NoKey: true, KeyEnv: catalog.StringList{"GROQ_API_KEY"}},
	}
	env := map[string]string{"GROQ_API_KEY": "test-key-env-groq-77", "MISTRAL_API_KEY": "test-key-env-mistral-88"}

	rows, err := te.m.List(profiles, envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		provider, name string
		source         Source
		fp             string
		isDefault      bool
		note           string
		overdue        bool
		age            time.Duration
	}
	want := []row{
		// stored with --no-verify and no base URL: pinned to no host
		{"cerebras", "default", SourceKeyring, "…0003", true, "not sent: in the keyring, not verified for any host (see 'tier keys test cerebras')", false, 0},
		{"groq", "default", "env:GROQ_API_KEY", "…q-77", true, "", false, 0},
		{"groq", "default", SourceKeyring, "…0001", false, "overridden by GROQ_API_KEY", true, 100 * 24 * time.Hour},
		{"groq", "work", SourceFile, "…0002", false, "", true, 100 * 24 * time.Hour},
		{"mistral", "default", "env:MISTRAL_API_KEY", "…l-88", true, "", false, 0},
		{"openai", "default", SourceCmd, "", true, "", false, 0},
	}
	if len(rows) != len(want) {
		for _, r := range rows {
			t.Logf("%+v", r)
		}
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, r := range rows {
		got := row{r.Provider, r.Name, r.Source, r.Fingerprint, r.Default, r.Note, r.Overdue, r.Age}
		if got != want[i] {
			t.Errorf("row %d\n got %+v\nwant %+v", i, got, want[i])
		}
	}
	if g := rows[2]; g.VerifiedHost == "" || g.PinnedHost != g.VerifiedHost || !g.Created.Equal(t0) || !g.RotateDue.Equal(t0.Add(DefaultRotateAfter)) {
		t.Errorf("groq row dates and hosts: %+v", g)
	}
	// cerebras was stored with --no-verify and no base URL: verified for
	// no host and pinned to none; groq's "work" key, stored with
	// --no-verify for the fake's host, is pinned there but not verified.
	if c, w := rows[0], rows[3]; c.VerifiedHost != "" || c.PinnedHost != "" || w.VerifiedHost != "" || w.PinnedHost != rows[2].VerifiedHost {
		t.Errorf("unverified keys shown as verified: %+v %+v", c, w)
	}
	if c := rows[0]; !c.RotateDue.IsZero() || c.Age != 0 {
		t.Errorf("cerebras was set just now and never needs rotating: %+v", c)
	}
}

// unavailableBackend is a keyring that may not be tried, as with
// TIER_NO_KEYRING=1 or no session bus.
type unavailableBackend struct{ *faultBackend }

func (unavailableBackend) Available() error { return &UnavailableError{Reason: "no D-Bus session bus"} }

// With the keyring unusable, its keys are listed but not as the ones in
// use: Resolve skips them, so key_cmd (when there is one) wins.
func TestListWithTheKeyringUnavailable(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{})
	te.set(t, "work", goodKey2, SetOptions{})
	te.m.Backend = unavailableBackend{te.b}
	withCmd := *te.profile
	withCmd.KeyCmd = "pass show groq"
	for _, tc := range []struct {
		name    string
		profile *catalog.Profile
		want    []string // source/name/default/note
	}{
		{"no key_cmd: no key is in use", te.profile, []string{
			"keyring/default/false/not used: keyring unavailable: no D-Bus session bus",
			"keyring/work/false/not used: keyring unavailable: no D-Bus session bus"}},
		{"key_cmd wins", &withCmd, []string{
			"keyring/default/false/not used: keyring unavailable: no D-Bus session bus",
			"keyring/work/false/not used: keyring unavailable: no D-Bus session bus",
			"cmd/default/true/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := te.m.List(map[string]*catalog.Profile{"groq": tc.profile}, envOf(nil))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, fmt.Sprintf("%s/%s/%v/%s", r.Source, r.Name, r.Default, r.Note))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
