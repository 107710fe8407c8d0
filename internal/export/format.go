package export

import (
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/tier-cli/tier/internal/overview"
)

// Formats are what 'tier quota --format' takes besides the table.
var Formats = []string{"prometheus"}

// CheckFormat is a --format value of tier quota made plain ("" for the
// table, which "table" also names), or why it is refused: a format tier
// quota does not have, or one given with --json.
func CheckFormat(format string, asJSON bool) (string, error) {
	switch format {
	case "", "table":
		return "", nil
	case "prometheus":
		if asJSON {
			return "", errors.New("--format prometheus and --json do not go together: choose one")
		}
		return format, nil
	}
	return "", fmt.Errorf("unknown --format %q: tier quota --format takes prometheus (or table, the default)", format)
}

// Write writes rows in format (checked by CheckFormat); a failure, other
// than a reader gone away, is said on errw too.
func Write(out, errw io.Writer, format string, rows []overview.Row, now time.Time) error {
	err := Prometheus(out, rows, now)
	if err != nil && !errors.Is(err, syscall.EPIPE) {
		fmt.Fprintf(errw, "tier: cannot write the %s output: %v\n", format, err)
	}
	return err
}
