// Command gen writes internal/catalog/builtin.json: the repository's
// providers.yaml, strictly loaded and validated by catalog.LoadBytes, as
// indented JSON with sorted map keys. Run it through go generate ./...
// from the repository root; catalog.Load decodes the result at run time
// instead of parsing YAML.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	tier "github.com/tier-cli/tier"
	"github.com/tier-cli/tier/internal/catalog"
)

func main() {
	out := flag.String("o", "builtin.json", "the file to write")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	data, err := catalog.BuiltinJSON(tier.ProvidersYAML)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(out); err == nil && bytes.Equal(old, data) {
		return nil // unchanged: leave the file's time alone
	}
	return os.WriteFile(out, data, 0o644)
}
