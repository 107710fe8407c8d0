package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeListsEveryExitCode: the README's exit-code table has a row for
// every code 'tier help exit-codes' documents, and no code it does not.
func TestReadmeListsEveryExitCode(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+) \|`).FindAllStringSubmatch(string(b), -1) {
		rows[m[1]] = true
	}
	documented := map[string]bool{}
	for _, c := range exitCodes {
		code := fmt.Sprint(c.Code)
		documented[code] = true
		if !rows[code] {
			t.Errorf("README.md has no row for exit code %s (%s)", code, strings.SplitN(c.Meaning, ".", 2)[0])
		}
	}
	for code := range rows {
		if !documented[code] {
			t.Errorf("README.md lists exit code %s, which 'tier help exit-codes' does not", code)
		}
	}
}
