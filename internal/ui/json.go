package ui

import (
	"encoding/json"
	"io"
)

// WriteJSON writes v as JSON followed by a newline: indented by two spaces
// on a terminal, compact otherwise (one value per line for scripts). HTML
// characters such as < > & are written as they are.
func WriteJSON(w io.Writer, v any) error {
	return writeJSON(w, v, IsTerminal(w))
}

func writeJSON(w io.Writer, v any, indent bool) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}
