package catalog

import (
	"reflect"
	"testing"

	tier "github.com/tier-cli/tier"
)

// mergeWholeFiles is the reference meaning of a user's file: both files
// parsed as YAML, merged as trees by mergeNodes, and the result decoded
// and validated as a whole.
func mergeWholeFiles(t *testing.T, user string) (*Catalog, error) {
	t.Helper()
	base, err := parseFile(tier.ProvidersYAML, BuiltinFile)
	if err != nil {
		t.Fatal(err)
	}
	over, err := parseFile([]byte(user), userPath)
	if err != nil {
		return nil, err
	}
	if over == nil {
		return LoadBytes(tier.ProvidersYAML, nil, userPath)
	}
	if err := checkUserOnly(over, userPath); err != nil {
		return nil, err
	}
	return mergeTrees(base, over, userPath)
}

// TestOverlayMeansWhatMergingTheFilesMeans runs user files through Load's
// path (builtin_gen.go, entry-by-entry merge, only touched entries checked)
// and LoadBytes', and checks both give what merging the two YAML files as
// a whole gives: the same catalog, or the same error at the same line.
func TestOverlayMeansWhatMergingTheFilesMeans(t *testing.T) {
	users := map[string]string{
		"no file":                                     "",
		"comments only":                               "# nothing\n",
		"null document":                               "~\n",
		"one field of a built-in":                     "providers:\n  groq:\n    base_url: https://groq-proxy.example.com/openai/v1\n",
		"override and add":                            benchUserFile,
		"null entry keeps the built-in":               "providers:\n  groq:\n  cerebras: ~\n",
		"null sections":                               "dialects:\nproviders:\n",
		"empty sections":                              "dialects: {}\nproviders: {}\n",
		"new empty entry":                             "providers:\n  mine:\n",
		"nested mapping merges":                       "providers:\n  openrouter:\n    balance:\n      url: https://openrouter.example.com/api/v1/credits\n",
		"bad value in a merged mapping":               "providers:\n  openrouter:\n    balance:\n      kind: prepaid\n",
		"a list replaces":                             "providers:\n  cloudflare:\n    key_env: [CF_TOKEN, CF_TOKEN_2]\n",
		"null field keeps the built-in":               "providers:\n  groq:\n    key_env:\n    base_url: https://g.example.com/v1\n",
		"empty dialect falls back to none":            "providers:\n  groq:\n    dialect: \"\"\n",
		"built-in dialect overridden":                 "dialects:\n  groq:\n    reset_format: seconds\n",
		"built-in dialect made invalid":               "dialects:\n  groq:\n    reset_format: unix\n",
		"built-in dialect windows replaced":           "dialects:\n  groq:\n    windows:\n      - {metric: requests, period: weekly, limit: x}\n",
		"built-in provider switched to a new dialect": "dialects:\n  mine:\n    windows:\n      - {metric: requests, period: day, remaining: x-left}\nproviders:\n  groq:\n    dialect: mine\n",
		"built-in provider with unknown dialect":      "providers:\n  groq:\n    dialect: opnai\n",
		"built-in provider with a bad base_url":       "providers:\n  groq:\n    base_url: ftp://x.example.com\n",
		"default changed":                             "default: groq\n",
		"default to a new provider":                   "default: mine\nproviders:\n  mine:\n    base_url: http://localhost:1/v1\n",
		"default unknown":                             "default: grok\n",
		"default null":                                "default: ~\n",
		"anchors and aliases":                         "providers:\n  a:\n    base_url: &u http://localhost:1/v1\n    key_env: &k [A_KEY]\n  b:\n    base_url: *u\n    key_env: *k\n  groq:\n    key_env: *k\n",
		"an aliased entry":                            "providers:\n  a: &e\n    base_url: http://localhost:1/v1\n  b: *e\n",
		"merge key in an entry":                       "providers:\n  a: &e\n    base_url: http://localhost:1/v1\n    no_key: true\n  groq:\n    <<: *e\n",
		"merge key in a new entry":                    "providers:\n  a: &e\n    base_url: http://localhost:1/v1\n  b:\n    <<: *e\n    default_model: m\n",
		"models of a built-in replaced":               "providers:\n  groq:\n    default_model: m\n    models:\n      - {id: m, price: {input: 1, output: 2, as_of: 2026-11-01, source: s}}\n",
		"bad model of a built-in":                     "providers:\n  groq:\n    models:\n      - {id: m, status: beta}\n",
		"demo is reserved":                            "providers:\n  groq:\n    demo: false\n",
		"unknown field":                               "providers:\n  groq:\n    base_ulr: x\n",
	}
	for name, user := range users {
		t.Run(name, func(t *testing.T) {
			want, wantErr := mergeWholeFiles(t, user)
			for path, load := range map[string]func() (*Catalog, error){
				"Load":      func() (*Catalog, error) { return loadEmbedded([]byte(user), userPath) },
				"LoadBytes": func() (*Catalog, error) { return LoadBytes(tier.ProvidersYAML, []byte(user), userPath) },
			} {
				got, err := load()
				if !reflect.DeepEqual(err, wantErr) {
					t.Errorf("%s: error %v, want %v", path, err, wantErr)
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: the catalog differs from merging the files", path)
				}
			}
		})
	}
}
