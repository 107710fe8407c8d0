// Command gendocs writes tier's generated files: completions/, man/ and the
// providers table in README.md. `go generate ./...` runs it; so can
// `go run ./internal/docgen/gendocs` from the repository root. The man
// pages' date is SOURCE_DATE_EPOCH when set, else a fixed date.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tier-cli/tier/internal/docgen"
)

func main() {
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	date, err := docgen.ManDate(os.Getenv)
	if err == nil {
		err = docgen.Write(*root, date)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}
