package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	tier "github.com/tier-cli/tier"
)

// allocated is how many bytes f allocates (runtime.MemStats.TotalAlloc,
// so it counts garbage too: an upper bound of what f needs).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

const mib = 1 << 20

// repeat is head followed by n copies of line.
func repeat(head, line string, n int) string {
	return head + strings.Repeat(line, n)
}

// TestBadFilesLoadInBoundedMemory: whatever the user's file holds, loading
// it costs a bounded amount of memory, and a file with a repeated key
// stops at the first repetition with its line. yaml.v3 compares every key
// of a mapping with every later one and keeps one message per equal pair,
// so n copies of a key cost n²/2 messages (1,000 lines took 151 MB).
func TestBadFilesLoadInBoundedMemory(t *testing.T) {
	anchors := func(levels int) string { // the "billion laughs": each level aliases the last one ten times
		var b strings.Builder
		b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
		for i := 1; i <= levels; i++ {
			fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
		}
		return b.String()
	}
	distinct := func(head, format string, n int) string {
		var b strings.Builder
		b.WriteString(head)
		for i := range n {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	tests := []struct {
		name string
		user string
		line int    // where the error is; 0: anywhere
		msg  string // what the message holds
	}{
		{
			name: "1,000 repeated top-level lines",
			user: repeat("", "default: demo\n", 1000),
			line: 2,
			msg:  `mapping key "default" already defined at line 1`,
		},
		{
			name: "3,000 repeated lines in a provider",
			user: repeat("providers:\n  mine:\n", "    base_url: http://localhost/v1\n", 3000),
			line: 4,
			msg:  `provider "mine": mapping key "base_url" already defined at line 3`,
		},
		{
			name: "a provider defined 3,000 times",
			user: repeat("providers:\n", "  x:\n    base_url: http://localhost/v1\n", 3000),
			line: 4,
			msg:  `provider "x": mapping key "x" already defined at line 2`,
		},
		{
			name: "a 50 KB file of one repeated key",
			user: repeat("dialects:\n  d:\n", "    reset_format: auto\n", 50_000/len("    reset_format: auto\n")),
			line: 4,
			msg:  `dialect "d": mapping key "reset_format" already defined at line 3`,
		},
		{
			name: "a repeated key in a flow mapping",
			user: "providers:\n  mine: {base_url: http://localhost/v1, no_key: true, " + strings.Repeat("no_key: true, ", 2000) + "}\n",
			line: 2,
			msg:  `provider "mine": mapping key "no_key" already defined at line 2`,
		},
		{
			name: "nested aliases (billion laughs)",
			user: anchors(9),
			line: 1,
			msg:  `unknown field "a0"`,
		},
		{
			name: "a million bytes of distinct providers",
			user: distinct("providers:\n", "  p%d: {base_url: http://localhost/v1}\n", (mib-100)/len("  p00000: {base_url: http://localhost/v1}\n")),
			line: 1 + maxKeys + 1,
			msg:  fmt.Sprintf("more than %d entries", maxKeys),
		},
		{
			name: "a million bytes of distinct keys in one provider",
			user: distinct("providers:\n  mine:\n", "    k%d: 1\n", (mib-100)/len("    k00000: 1\n")),
			line: 2 + maxKeys + 1,
			msg:  fmt.Sprintf(`provider "mine": more than %d entries`, maxKeys),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.user) > maxFileSize {
				t.Fatalf("test file is %d bytes, more than the cap", len(tt.user))
			}
			var err error
			n := allocated(func() { _, err = loadUser(t, tt.user) })
			if n > 64*mib {
				t.Errorf("loading allocated %d MiB, want at most 64", n/mib)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want an *Error", err, err)
			}
			if tt.line != 0 && e.Line != tt.line {
				t.Errorf("error at line %d, want %d: %v", e.Line, tt.line, err)
			}
			if !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("error %q, want it to hold %q", e.Msg, tt.msg)
			}
			if strings.Contains(err.Error(), "\n") || len(err.Error()) > 400 {
				t.Errorf("error is not one short line: %.500q", err.Error())
			}
		})
	}
}

// TestOversizeFileIsRefused: a file over the cap is refused unread, with a
// message that says what the cap is, whatever it holds (no real
// providers.yaml comes near 1 MiB).
func TestOversizeFileIsRefused(t *testing.T) {
	tests := []struct {
		name string
		size int
	}{
		{"one byte over the cap", maxFileSize + 1},
		{"20 MB", 20_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			line := "default: demo\n"
			body := bytes.Repeat([]byte(line), tt.size/len(line)+1)[:tt.size]
			if err := os.WriteFile(filepath.Join(dir, FileName), body, 0o600); err != nil {
				t.Fatal(err)
			}
			var err error
			n := allocated(func() { _, err = Load(env("TIER_CONFIG_DIR", dir)) })
			if n > 8*mib {
				t.Errorf("Load allocated %d MiB, want at most 8 (the file must not be read whole)", n/mib)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != filepath.Join(dir, FileName) || !strings.Contains(e.Msg, "larger than 1 MiB") {
				t.Errorf("err = %v, want an *Error naming the file and the 1 MiB cap", err)
			}
			// LoadBytes (the same checks on bytes in memory) refuses it too.
			if _, err := loadUser(t, string(body)); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
				t.Errorf("LoadBytes: err = %v, want the cap", err)
			}
		})
	}
	// A file of exactly the cap is read (and here fails on its content).
	body := repeat("", "#", maxFileSize)
	if _, err := loadUser(t, body); err != nil {
		t.Errorf("a file of comments exactly at the cap: %v", err)
	}
}

// FuzzLoad feeds arbitrary user files to the whole loader (parse, strict
// checks, overlay or tree merge, validation). It must never panic, and it
// returns either a catalog whose every provider resolves by name, or an
// *Error whose message is one line naming the user's file.
func FuzzLoad(f *testing.F) {
	seeds := []string{
		"",
		"# nothing yet\n",
		"default: groq\n",
		benchUserFile,
		"providers:\n  groq:\n    base_url: https://groq-proxy.example.com/openai/v1\n  local:\n    base_url: http://127.0.0.1:8080/v1\n    no_key: true\n    default_model: qwen2.5-7b-instruct\n",
		"providers:\n  mine:\n    base_url: http://localhost:1/v1\n    no_key: maybe\n",
		"providers:\n  mine: {base_url: http://localhost:1/v1, no_key: maybe}\n",
		"providers:\n  groq:\n    limits:\n      - {tier: free, models: [\"*\"], rpm: 30, as_of: 2026-11-20, source: s}\n",
		"dialects:\n  myproxy:\n    reset_format: epoch_s\n    windows:\n      - {metric: requests, period: hour, remaining: x-left}\nproviders:\n  proxy:\n    base_url: https://proxy.example.com/v1\n    dialect: myproxy\n",
		"base: &b {base_url: http://localhost:1/v1}\nproviders:\n  a: *b\n",
		"providers:\n  a: &b {base_url: http://localhost:1/v1}\n  c:\n    <<: *b\n    no_key: true\n  groq:\n    <<: *b\n",
		"providers:\n  x:\n    base_url: a\n  x:\n    base_url: b\n",
		"default: demo\ndefault: demo\ndefault: demo\n",
		"a0: &a0 [x, x, x]\na1: &a1 [*a0, *a0, *a0]\na2: [*a1, *a1, *a1]\n",
		"providers:\n  groq:\n    key_env: {a: b}\n",
		"providers: [1, 2]\n",
		"- 1\n",
		"providers:\n  groq\n    base_url: x\n",
		"providers:\n  fake:\n    base_url: http://10.0.0.1/v1\n    demo: true\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, user []byte) {
		c, err := LoadBytes(tier.ProvidersYAML, user, userPath)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want an *Error", err, err)
			}
			if e.File != userPath {
				t.Errorf("error names %q, want the user's file: %v", e.File, err)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\n\r") || !utf8.ValidString(msg) && utf8.Valid(user) {
				t.Errorf("error is not one line of text: %q", msg)
			}
			return
		}
		for name := range c.Providers {
			if c.Providers[name] == nil || c.Providers[name].Name != name {
				t.Errorf("provider %q: entry %+v", name, c.Providers[name])
			}
		}
		if c.Default != "" && c.Providers[c.Default] == nil {
			t.Errorf("default %q names no provider", c.Default)
		}
	})
}
