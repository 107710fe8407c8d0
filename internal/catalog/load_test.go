package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	tier "github.com/tier-cli/tier"
)

const userPath = "~/.config/tier/providers.yaml"

// loadUser loads the built-in catalog with user as the user's file.
func loadUser(t *testing.T, user string) (*Catalog, error) {
	t.Helper()
	return LoadBytes(tier.ProvidersYAML, []byte(user), userPath)
}

func mustLoad(t *testing.T, user string) *Catalog {
	t.Helper()
	c, err := loadUser(t, user)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return c
}

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestUserFileOverridesOneFieldAndKeepsTheRest(t *testing.T) {
	builtin := mustLoad(t, "")
	c := mustLoad(t, `
providers:
  groq:
    base_url: https://groq-proxy.example.com/openai/v1
`)
	got, want := *c.Providers["groq"], *builtin.Providers["groq"]
	if got.BaseURL != "https://groq-proxy.example.com/openai/v1" {
		t.Fatalf("base_url = %q, want the user's", got.BaseURL)
	}
	got.BaseURL = want.BaseURL
	if !reflect.DeepEqual(got, want) {
		t.Errorf("overriding base_url changed other fields:\n got %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(c.Providers["cerebras"], builtin.Providers["cerebras"]) {
		t.Error("overriding groq changed cerebras")
	}
}

func TestUserFileMerges(t *testing.T) {
	tests := []struct {
		name  string
		user  string
		check func(t *testing.T, c *Catalog)
	}{
		{
			name: "a local server needs only base_url and gets dialect none",
			user: "providers:\n  llama:\n    base_url: http://localhost:8080/v1\n",
			check: func(t *testing.T, c *Catalog) {
				p, err := c.Profile("llama")
				if err != nil {
					t.Fatal(err)
				}
				if p.Name != "llama" || p.Dialect != "none" || len(p.KeyEnv) != 0 {
					t.Errorf("got name %q dialect %q key_env %v", p.Name, p.Dialect, p.KeyEnv)
				}
			},
		},
		{
			name: "an added provider keeps the optional fields it sets",
			user: `
providers:
  lan-vllm:
    base_url: https://gpu.lan:8000/v1
    key_env: VLLM_KEY
    no_key: false
    default_model: qwen3
    dialect: openai
`,
			check: func(t *testing.T, c *Catalog) {
				p := c.Providers["lan-vllm"]
				if !reflect.DeepEqual(p.KeyEnv, StringList{"VLLM_KEY"}) || p.DefaultModel != "qwen3" || p.Dialect != "openai" {
					t.Errorf("got %+v", p)
				}
			},
		},
		{
			name: "a list replaces the built-in list",
			user: "providers:\n  cloudflare:\n    key_env: CF_API_TOKEN\n",
			check: func(t *testing.T, c *Catalog) {
				if got := c.Providers["cloudflare"].KeyEnv; !reflect.DeepEqual(got, StringList{"CF_API_TOKEN"}) {
					t.Errorf("key_env = %v", got)
				}
			},
		},
		{
			name: "limits are replaced as a whole",
			user: `
providers:
  groq:
    limits:
      - {tier: free, models: ["*"], rpm: 30, as_of: 2026-11-20, source: "my contract"}
`,
			check: func(t *testing.T, c *Catalog) {
				l := c.Providers["groq"].Limits
				if len(l) != 1 || l[0].RPM == nil || *l[0].RPM != 30 || l[0].TPM != nil {
					t.Errorf("limits = %+v", l)
				}
			},
		},
		{
			name: "a user dialect can be used by a user provider",
			user: `
dialects:
  myproxy:
    reset_format: epoch_s
    windows:
      - {metric: requests, period: hour, remaining: x-left}
providers:
  proxy:
    base_url: https://proxy.example.com/v1
    dialect: myproxy
`,
			check: func(t *testing.T, c *Catalog) {
				d := c.Dialect(c.Providers["proxy"].Dialect)
				if d == nil || d.Name != "myproxy" || len(d.Windows) != 1 || d.Windows[0].Remaining != "x-left" {
					t.Errorf("dialect = %+v", d)
				}
			},
		},
		{
			name: "an empty entry keeps the built-in one",
			user: "providers:\n  groq:\n",
			check: func(t *testing.T, c *Catalog) {
				if c.Providers["groq"] == nil || c.Providers["groq"].BaseURL == "" {
					t.Errorf("groq = %+v", c.Providers["groq"])
				}
			},
		},
		{
			name: "the default can be changed",
			user: "default: groq\n",
			check: func(t *testing.T, c *Catalog) {
				if c.Default != "groq" {
					t.Errorf("default = %q", c.Default)
				}
			},
		},
		{
			name: "a file of comments changes nothing",
			user: "# nothing yet\n",
			check: func(t *testing.T, c *Catalog) {
				if !reflect.DeepEqual(c.Providers, mustLoad(t, "").Providers) {
					t.Error("providers differ from the built-in ones")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, mustLoad(t, tt.user))
		})
	}
}

func TestUserFileErrors(t *testing.T) {
	tests := []struct {
		name     string
		user     string
		line     int
		provider string
		msg      string // the whole message after "file:line: "
		prefix   bool   // msg is only the start of it
	}{
		{
			name:     "misspelt field",
			user:     "providers:\n  groq:\n    base_ulr: https://x.example.com/v1\n",
			line:     3,
			provider: "groq",
			msg:      `provider "groq": unknown field "base_ulr" (did you mean "base_url"?)`,
		},
		{
			name:     "misspelt field deep in a limit",
			user:     "providers:\n  groq:\n    limits:\n      - tier: free\n        modles: [x]\n",
			line:     5,
			provider: "groq",
			msg:      `provider "groq": unknown field "modles" (did you mean "models"?)`,
		},
		{
			name:     "unknown field with nothing close lists the valid ones",
			user:     "providers:\n  groq:\n    colour: blue\n",
			line:     3,
			provider: "groq",
			msg:      `provider "groq": unknown field "colour"; valid fields: allow_insecure_http, balance,`,
			prefix:   true,
		},
		{
			name: "misspelt top-level key",
			user: "provider:\n  groq: {}\n",
			line: 1,
			msg:  `unknown field "provider" (did you mean "providers"?)`,
		},
		{
			name: "misspelt dialect field",
			user: "dialects:\n  mine:\n    windws: []\n",
			line: 3,
			msg:  `dialect "mine": unknown field "windws" (did you mean "windows"?)`,
		},
		{
			name:     "text where a number belongs",
			user:     "providers:\n  groq:\n    limits:\n      - tier: free\n        models: [x]\n        rpm: lots\n",
			line:     6,
			provider: "groq",
			msg:      `provider "groq": "rpm" must be a whole number, not "lots"`,
		},
		{
			name:     "text where a boolean belongs",
			user:     "providers:\n  mine:\n    base_url: http://localhost:1/v1\n    no_key: maybe\n",
			line:     4,
			provider: "mine",
			msg:      `provider "mine": "no_key" must be true or false, not "maybe"`,
		},
		{
			name:     "a list where a string belongs",
			user:     "providers:\n  groq:\n    base_url: [a, b]\n",
			line:     3,
			provider: "groq",
			msg:      `provider "groq": "base_url" must be a string, not a list`,
		},
		{
			name:     "a mapping as key_env",
			user:     "providers:\n  groq:\n    key_env: {a: b}\n",
			line:     3,
			provider: "groq",
			msg:      `provider "groq": "key_env" must be a string or a list of strings`,
		},
		{
			name:   "broken YAML",
			user:   "providers:\n  groq\n    base_url: x\n",
			line:   3,
			msg:    "invalid YAML: ",
			prefix: true,
		},
		{
			name:     "a provider defined twice",
			user:     "providers:\n  mine:\n    base_url: https://a.example.com/v1\n  mine:\n    base_url: https://b.example.com/v1\n",
			line:     4,
			provider: "mine",
			msg:      `provider "mine": mapping key "mine" already defined at line 2`,
		},
		{
			name:     "unknown dialect",
			user:     "providers:\n  local:\n    base_url: http://localhost:8080/v1\n    dialect: opnai\n",
			line:     4,
			provider: "local",
			msg:      `provider "local": unknown dialect "opnai" (did you mean "openai"?); known dialects: anthropic, cerebras, cloudflare, fireworks, gemini, groq, mistral, none, openai, openrouter, sambanova, together`,
		},
		{
			name:     "base_url with another scheme",
			user:     "providers:\n  local:\n    base_url: ftp://files.example.com/v1\n",
			line:     3,
			provider: "local",
			msg:      `provider "local": base_url "ftp://files.example.com/v1" is not an http:// or https:// URL`,
		},
		{
			name:     "base_url that is not a URL",
			user:     "providers:\n  local:\n    base_url: localhost:8080\n",
			line:     3,
			provider: "local",
			msg:      `provider "local": base_url "localhost:8080" is not an http:// or https:// URL`,
		},
		{
			name:     "malformed placeholder",
			user:     "providers:\n  local:\n    base_url: https://{HOST/v1\n",
			line:     3,
			provider: "local",
			msg:      `provider "local": base_url "https://{HOST/v1" has a malformed placeholder; write {ENV_VAR_NAME}`,
		},
		{
			name:     "a new provider without base_url",
			user:     "providers:\n  local:\n    default_model: llama\n",
			line:     3,
			provider: "local",
			msg:      `provider "local": base_url is missing; give the server's OpenAI-compatible base, e.g. http://localhost:8080/v1`,
		},
		{
			name:     "upper-case provider name",
			user:     "providers:\n  My_Server:\n    base_url: http://localhost:1/v1\n",
			line:     3,
			provider: "My_Server",
			msg:      `provider "My_Server": a provider name must be lower-case letters, digits and '-'`,
		},
		{
			name:     "a user may not mark a provider as the demo",
			user:     "providers:\n  fake:\n    base_url: http://10.0.0.1/v1\n    demo: true\n",
			line:     4,
			provider: "fake",
			msg:      `provider "fake": "demo" is reserved for the built-in simulator; remove it`,
		},
		{
			name: "bad period in a dialect",
			user: "dialects:\n  mine:\n    windows:\n      - {metric: requests, period: weekly, limit: x-l}\n",
			line: 4,
			msg:  `dialect "mine": windows[0]: period "weekly" is not one of second, minute, hour, day, week, month, unknown, or <n>-<unit> such as 10-second`,
		},
		{
			name: "a period written other than canonically",
			user: "dialects:\n  mine:\n    windows:\n      - {metric: requests, period: 10-seconds, limit: x-l}\n",
			line: 4,
			msg:  `dialect "mine": windows[0]: period "10-seconds" is not one of second, minute, hour, day, week, month, unknown, or <n>-<unit> such as 10-second`,
		},
		{
			name: "a pattern without metrics",
			user: "dialects:\n  mine:\n    patterns:\n      - {limit: x-ratelimit-limit-}\n",
			line: 4,
			msg:  `dialect "mine": patterns[0]: metrics must map the names used in the headers to metrics, e.g. {req: requests}`,
		},
		{
			name: "a pattern with a bad metric",
			user: "dialects:\n  mine:\n    patterns:\n      - limit: x-l-\n        metrics: {req: Requests}\n",
			line: 5,
			msg:  `dialect "mine": patterns[0]: metrics.req: "Requests" must be a lower-case word such as requests or tokens`,
		},
		{
			name: "bad metric in a dialect",
			user: "dialects:\n  mine:\n    windows:\n      - metric: Requests\n        period: day\n        limit: x-l\n",
			line: 4,
			msg:  `dialect "mine": windows[0]: metric "Requests" must be a lower-case word such as requests or tokens`,
		},
		{
			name: "bad reset format in a dialect",
			user: "dialects:\n  mine:\n    reset_format: unix\n",
			line: 3,
			msg:  `dialect "mine": reset_format "unix" is not one of auto, duration, seconds, epoch_s, epoch_ms, rfc3339`,
		},
		{
			name:     "bad confidence",
			user:     "providers:\n  groq:\n    limits:\n      - {tier: free, models: [x], rpm: 1, as_of: 2026-11-01, source: s,\n         confidence: probably}\n",
			line:     5,
			provider: "groq",
			msg:      `provider "groq": limits[0]: confidence "probably" is not one of third_party, unverified, dated, inferred (or empty for official, current facts)`,
		},
		{
			name:     "as_of that is not a date",
			user:     "providers:\n  groq:\n    credits:\n      - amount: 1\n        unit: USD\n        as_of: 2026-13-01\n        source: s\n",
			line:     6,
			provider: "groq",
			msg:      `provider "groq": credits[0]: as_of "2026-13-01" is not a date; write YYYY-MM-DD`,
		},
		{
			name:     "a price without a source",
			user:     "providers:\n  groq:\n    models:\n      - id: m\n        price: {input: 1, output: 2, as_of: 2026-11-01}\n",
			line:     5,
			provider: "groq",
			msg:      `provider "groq": models[0] price: source is missing; say where the figure comes from (a URL)`,
		},
		{
			name:     "a limit with no figure",
			user:     "providers:\n  groq:\n    limits:\n      - {tier: free, models: [x], as_of: 2026-11-01, source: s}\n",
			line:     4,
			provider: "groq",
			msg:      `provider "groq": limits[0]: no figure given (rpm, rph, rpd, tpm, tph, tpd, or unit with per_minute/per_day/per_month)`,
		},
		{
			name: "default naming an unknown provider",
			user: "default: grok\n",
			line: 1,
			msg:  `default names unknown provider "grok" (did you mean "groq"?)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadUser(t, tt.user)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if e.File != userPath || e.Line != tt.line || e.Provider != tt.provider {
				t.Errorf("at %s:%d provider %q, want %s:%d provider %q (%v)", e.File, e.Line, e.Provider, userPath, tt.line, tt.provider, err)
			}
			wantPrefix := userPath + ":" + strconv.Itoa(tt.line) + ": " + tt.msg
			if got := err.Error(); got != wantPrefix && !(tt.prefix && strings.HasPrefix(got, wantPrefix)) {
				t.Errorf("error\n got %s\nwant %s", got, wantPrefix)
			}
		})
	}
}

func TestErrorsInTheBuiltinFileNameIt(t *testing.T) {
	builtin := []byte("providers:\n  x:\n    base_url: https://x.example.com/v1\n    dialect: nope\n")
	_, err := LoadBytes(builtin, nil, userPath)
	if want := BuiltinFile + `:4: provider "x": unknown dialect "nope"; known dialects: `; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestConfigDir(t *testing.T) {
	tests := []struct {
		name string
		env  func(string) string
		want string
	}{
		{"TIER_CONFIG_DIR wins", env("TIER_CONFIG_DIR", "/etc/tier", "XDG_CONFIG_HOME", "/x", "HOME", "/home/u"), "/etc/tier"},
		{"then XDG_CONFIG_HOME", env("XDG_CONFIG_HOME", "/x", "HOME", "/home/u"), filepath.Join("/x", "tier")},
		{"a relative XDG_CONFIG_HOME is ignored", env("XDG_CONFIG_HOME", "rel", "HOME", "/home/u"), filepath.Join("/home/u", ".config", "tier")},
		{"then ~/.config/tier", env("HOME", "/home/u"), filepath.Join("/home/u", ".config", "tier")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigDir(tt.env)
			if err != nil || got != tt.want {
				t.Errorf("ConfigDir = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := ConfigDir(env()); err == nil {
		t.Error("ConfigDir with no HOME and no TIER_CONFIG_DIR: want an error")
	}
}

func TestLoadReadsTheUserFile(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, ".config", "tier")
	getenv := env("HOME", home)

	c, err := Load(getenv)
	if err != nil {
		t.Fatalf("no user file: %v", err)
	}
	if c.Providers["groq"] == nil {
		t.Fatal("built-in providers missing")
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte("providers:\n  groq:\n    base_ulr: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(getenv)
	want := filepath.Join("~", ".config", "tier", FileName) + `:3: provider "groq": unknown field "base_ulr" (did you mean "base_url"?)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}

	if err := os.WriteFile(path, []byte("providers:\n  mine:\n    base_url: http://127.0.0.1:11434/v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Load(getenv)
	if err != nil || c.Providers["mine"] == nil {
		t.Fatalf("Load = %v; want the user's provider", err)
	}
	if c.Providers["groq"] == nil {
		t.Error("built-in providers lost when a user file exists")
	}
}

func TestLoadHonoursTierConfigDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("default: groq\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env("TIER_CONFIG_DIR", dir, "HOME", t.TempDir()))
	if err != nil || c.Default != "groq" {
		t.Fatalf("Load = %v, default %q; want groq from TIER_CONFIG_DIR", err, c.Default)
	}
}

func TestLoadUnreadableUserFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, FileName), 0o700); err != nil { // a directory, not a file
		t.Fatal(err)
	}
	_, err := Load(env("TIER_CONFIG_DIR", dir))
	var e *Error
	if !errors.As(err, &e) || e.File != filepath.Join(dir, FileName) || !strings.Contains(e.Msg, "cannot read this file") {
		t.Errorf("err = %v, want a cannot-read *Error naming the file", err)
	}
}
