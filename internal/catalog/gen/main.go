// Command gen writes internal/catalog/builtin_gen.go: the repository's
// providers.yaml, strictly loaded and validated by catalog.LoadBytes, as Go
// source that builds the same catalog. Run it through go generate ./...
// from the repository root; catalog.Load uses the result at run time
// instead of parsing YAML. (If builtin_gen.go is ever lost, restore it from
// git: this program needs the package, which needs the file.)
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
	out := flag.String("o", "builtin_gen.go", "the file to write")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	data, err := catalog.BuiltinGo(tier.ProvidersYAML)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(out); err == nil && bytes.Equal(old, data) {
		return nil // unchanged: leave the file's time alone
	}
	return os.WriteFile(out, data, 0o644)
}
