package status

import (
	"fmt"
	"io"
	"text/template"
	"time"

	"github.com/tier-cli/tier/internal/ui"
)

// FormatError is a --format template that failed on a line under
// --strict (a usage error).
type FormatError struct{ Err error }

func (e *FormatError) Error() string { return "--format: " + e.Err.Error() }
func (e *FormatError) Unwrap() error { return e.Err }

// Write writes line as tier status prints it: through tmpl when there is
// one, else the default layout (Render). A prompt is never broken: with
// no providers, or a template that fails on the line, a template prints an
// empty line, unless strict (then a failing template is a FormatError).
func Write(w io.Writer, line Line, tmpl *template.Template, strict bool, now time.Time, th ui.Theme) error {
	if tmpl == nil {
		return Render(w, line, now, th)
	}
	if len(line.Providers) == 0 && !strict {
		_, err := fmt.Fprintln(w)
		return err
	}
	if err := Execute(w, tmpl, line); err != nil {
		if strict {
			return &FormatError{Err: err}
		}
		_, err := fmt.Fprintln(w)
		return err
	}
	return nil
}
