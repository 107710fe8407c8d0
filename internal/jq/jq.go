// Package jq owns --jq: a jq expression (github.com/itchyny/gojq) compiled
// once and run on the value a command would print as JSON, with the output
// gh's --jq gives: strings raw, one result a line, other values as JSON. It
// knows nothing of cobra or of the commands.
package jq

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/itchyny/gojq"
)

// EvalError is the expression failing on the value (`.x` of an array, an
// error() call), as opposed to a failure to write.
type EvalError struct{ Err error }

func (e *EvalError) Error() string { return e.Err.Error() }
func (e *EvalError) Unwrap() error { return e.Err }

// Filter is a compiled --jq expression.
type Filter struct {
	code *gojq.Code
}

// Compile parses and compiles expr; the error says what is wrong with it.
func Compile(expr string) (*Filter, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, errors.New("the expression is empty (try --jq .)")
	}
	q, err := gojq.Parse(expr)
	if err != nil {
		var pe *gojq.ParseError
		if errors.As(err, &pe) {
			// gojq says what it met, not where: "unexpected EOF". Its
			// offset is past the token.
			at := max(0, min(pe.Offset, len(expr))-len(pe.Token))
			return nil, fmt.Errorf("%v at column %d of %q%s", err, utf8.RuneCountInString(expr[:at])+1, expr, hint)
		}
		return nil, fmt.Errorf("%v%s", err, hint)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("%v in %q%s", err, expr, hint)
	}
	return &Filter{code: code}, nil
}

// hint ends a compile error: what --jq takes.
const hint = " (--jq takes a jq expression, e.g. --jq . for all of it)"

// Write runs the filter on v (any value encoding/json can marshal, as
// --json would print it) and writes each result on its own line: a string
// as it is, anything else as JSON, indented by two spaces when indent is
// set. Results before an error are written; the error is returned.
func (f *Filter) Write(w io.Writer, v any, indent bool) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber() // exact integers, as --json prints them
	var in any
	if err := dec.Decode(&in); err != nil {
		return err
	}
	var out bytes.Buffer
	iter := f.code.Run(in)
	for {
		r, ok := iter.Next()
		if !ok {
			break
		}
		if err, ok := r.(error); ok {
			if _, werr := w.Write(out.Bytes()); werr != nil {
				return werr
			}
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return nil // halt: stop, no error
			}
			return &EvalError{Err: err}
		}
		if s, ok := r.(string); ok {
			out.WriteString(s)
		} else {
			b, err := gojq.Marshal(r)
			if err != nil {
				return err
			}
			if indent {
				var ib bytes.Buffer
				if json.Indent(&ib, b, "", "  ") == nil {
					b = ib.Bytes()
				}
			}
			out.Write(b)
		}
		out.WriteByte('\n')
	}
	_, err := w.Write(out.Bytes())
	return err
}
