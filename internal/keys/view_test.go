package keys

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/catalog"
)

func TestWriteSet(t *testing.T) {
	ok := &VerifyResult{Status: VerifyOK, Message: "42 models", Host: "api.groq.com"}
	tests := []struct {
		name          string
		res           Result
		override      string
		wantOut, want string // on out, and on errw
	}{
		{"verified", Result{Backend: BackendKeyring, Fingerprint: "…abcd", Verify: ok, PinnedHost: "api.groq.com"}, "",
			"Stored the key for groq (…abcd) in the keyring.\nVerified: 42 models; the key is pinned to api.groq.com.\n", ""},
		{"unverified, replacing one kept", Result{Backend: BackendKeyring, Fingerprint: "…abcd", PreviousFingerprint: "…wxyz", PreviousKept: true}, "GROQ_API_KEY",
			"Stored the key for groq (…abcd) in the keyring, unverified.\n",
			"tier: this replaced the key …wxyz, kept as the previous key ('tier keys rotate groq --rollback' restores it)\n" +
				"tier: warning: stored unverified (--no-verify); it is pinned to no host, so tier will not send it until 'tier keys test groq' verifies it: run 'tier keys test groq' to check it\n" +
				"tier: warning: GROQ_API_KEY is set and overrides this key: unset it to use the stored one\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errw bytes.Buffer
			WriteSet(&out, &errw, "groq", DefaultName, tt.res, nil, tt.override)
			if out.String() != tt.wantOut || errw.String() != tt.want {
				t.Errorf("out:\n%s\nerr:\n%s\nwant out:\n%s\nerr:\n%s", out.String(), errw.String(), tt.wantOut, tt.want)
			}
		})
	}
}

func TestWriteRemoved(t *testing.T) {
	p := &catalog.Profile{Name: "groq", KeyCmd: "pass groq"}
	tests := []struct {
		name, key, fp   string
		all             bool
		override        string
		wantOut, wantEr string
	}{
		{"one, key_cmd left", DefaultName, "…abcd", false, "", "Removed the key for groq (…abcd).\n", "tier: the key_cmd of groq still supplies a key\n"},
		{"named: defaults untouched", "work", "", false, "GROQ_API_KEY", "Removed the key \"work\" for groq.\n", ""},
		{"all, env left", DefaultName, "", true, "GROQ_API_KEY", "Removed every stored key of groq.\n", "tier: GROQ_API_KEY still supplies a key for groq\n"},
	}
	for _, tt := range tests {
		var out, errw bytes.Buffer
		WriteRemoved(&out, &errw, p, "groq", tt.key, tt.fp, tt.all, tt.override)
		if out.String() != tt.wantOut || errw.String() != tt.wantEr {
			t.Errorf("%s: out %q err %q; want %q %q", tt.name, out.String(), errw.String(), tt.wantOut, tt.wantEr)
		}
	}
}

func TestListAndInUseRows(t *testing.T) {
	c, err := catalog.Load(func(k string) string {
		if k == "TIER_CONFIG_DIR" {
			return t.TempDir()
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := []Row{{Provider: "groq", Name: DefaultName, Source: SourceKeyring, Fingerprint: "…abcd", Default: true},
		{Provider: "groq", Name: "work", Source: SourceKeyring, Fingerprint: "…wxyz"}}
	if got := ListRows(rows, c, false); len(got) != 2 {
		t.Errorf("ListRows = %d rows, want 2", len(got))
	}
	all := ListRows(rows, c, true)
	for _, r := range all[2:] {
		if r.Provider == "groq" || r.Provider == "demo" || r.Source != string(SourceNone) {
			t.Errorf("--all added %+v", r)
		}
	}
	inUse := InUseRows(rows)
	if len(inUse) != 1 || inUse[0].Name != DefaultName {
		t.Errorf("InUseRows = %+v, want the default key only", inUse)
	}
	var b bytes.Buffer
	WriteInUse(&b, append(inUse, JSONRow{Provider: "x", Source: "none", Note: "no key"}))
	if want := "keys in use:\n  groq: keyring …abcd\n  x: none - (no key)\n"; b.String() != want {
		t.Errorf("WriteInUse = %q, want %q", b.String(), want)
	}
	if InUseRows(nil) == nil {
		t.Error("InUseRows(nil) is nil: --json would print null")
	}
}

func TestParseRotateAfter(t *testing.T) {
	for in, ok := range map[string]bool{"90d": true, "12w": true, "never": true, "0d": false, "soon": false} {
		_, err := ParseRotateAfter(in)
		if (err == nil) != ok || (err != nil && !strings.HasPrefix(err.Error(), "--rotate-after")) {
			t.Errorf("ParseRotateAfter(%q) = %v, want ok=%v", in, err, ok)
		}
	}
	if NameOr("") != DefaultName || NameOr("work") != "work" {
		t.Error("NameOr")
	}
}
