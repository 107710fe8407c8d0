package catalog

import (
	"go.yaml.in/yaml/v3"

	tier "github.com/tier-cli/tier"
)

// builtin_gen.go is the repository's providers.yaml, strictly loaded and
// validated by LoadBytes and written as Go source by ./gen, so that Load
// neither parses YAML nor decodes JSON at run time. TestBuiltinGo fails
// when it is stale.
//
//go:generate go run ./gen -o builtin_gen.go

// loadEmbedded is LoadBytes(tier.ProvidersYAML, user, userPath) with the
// built-in catalog from builtin_gen.go: only the user's file is parsed as
// YAML.
func loadEmbedded(user []byte, userPath string) (*Catalog, error) {
	if userPath == "" {
		userPath = FileName
	}
	c := builtinCatalog()
	setNames(c, userPath)
	tree := func() (*yaml.Node, error) { return parseFile(tier.ProvidersYAML, BuiltinFile) }
	return applyUser(c, tree, user, userPath)
}

// ptr is for builtin_gen.go's optional figures.
func ptr[T any](v T) *T { return &v }
