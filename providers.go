// Package tier holds files embedded from the repository root.
package tier

import _ "embed"

// ProvidersYAML is the built-in provider catalog, providers.yaml at the
// repository root. Package internal/catalog parses it; nothing else should.
//
//go:embed providers.yaml
var ProvidersYAML []byte
