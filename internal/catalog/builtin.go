package catalog

import (
	_ "embed"
	"encoding/json"

	"go.yaml.in/yaml/v3"

	tier "github.com/tier-cli/tier"
)

// builtin.json is the repository's providers.yaml, strictly loaded and
// validated by LoadBytes and written as JSON by ./gen, so that Load need
// not parse YAML at run time. TestBuiltinJSON fails when it is stale.
//
//go:generate go run ./gen -o builtin.json
//go:embed builtin.json
var builtinJSON []byte

// loadEmbedded is LoadBytes(tier.ProvidersYAML, user, userPath) with the
// built-in catalog decoded from builtin.json: only the user's file is
// parsed as YAML.
func loadEmbedded(user []byte, userPath string) (*Catalog, error) {
	if userPath == "" {
		userPath = FileName
	}
	c, err := decodeBuiltinJSON(builtinJSON)
	if err != nil {
		return nil, err
	}
	setNames(c, userPath)
	tree := func() (*yaml.Node, error) { return parseFile(tier.ProvidersYAML, BuiltinFile) }
	return applyUser(c, tree, user, userPath)
}

// decodeBuiltinJSON decodes builtin.json. It was validated when it was
// generated, so it is not validated again.
func decodeBuiltinJSON(data []byte) (*Catalog, error) {
	c := &Catalog{}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, &Error{File: BuiltinFile, Msg: "builtin.json is corrupt (" + err.Error() + "); run go generate ./... and rebuild tier"}
	}
	if len(c.Providers) == 0 {
		return nil, &Error{File: BuiltinFile, Msg: "the built-in catalog is empty; run go generate ./... and rebuild tier"}
	}
	return c, nil
}

// BuiltinJSON strictly loads and validates a built-in providers.yaml and
// returns it as builtin.json holds it: indented JSON, map keys sorted. It
// is for the generator (./gen) and the test that builtin.json is fresh.
func BuiltinJSON(providersYAML []byte) ([]byte, error) {
	c, err := LoadBytes(providersYAML, nil, "")
	if err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(c, "", "\t")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
