package cli

import (
	"errors"
	"fmt"

	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/store"
)

// Exit codes, documented in `tier help exit-codes` and used by every command.
const (
	ExitOK          = 0
	ExitInternal    = 1
	ExitUsage       = 2 // usage or configuration error
	ExitAuth        = 3 // no key, 401, 403
	ExitRateLimited = 4 // still 429 after retries, or the wait would exceed --max-wait
	ExitExhausted   = 5 // quota or credit exhausted; unmet --require
	ExitNetwork     = 6 // unreachable, timeout, 5xx after retries, stream cut
	ExitBudget      = 7 // tier's own budget reached (or --max-cost): nothing was sent
	ExitInterrupted = 130
	// ExitBrokenPipe is the status of a process killed by SIGPIPE, which tier
	// returns itself when stdout is closed under it (tier chat ... | head),
	// after recording the call.
	ExitBrokenPipe = 141
)

// ExitError carries an exit code with the error to print.
type ExitError struct {
	Code int
	Err  error
	// Silent means the message was already printed (e.g. inside --json output).
	Silent bool
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Exitf builds an ExitError with a formatted message.
func Exitf(code int, format string, a ...any) error {
	return &ExitError{Code: code, Err: fmt.Errorf(format, a...)}
}

// CodeOf maps an error to its exit code. A damaged state file is a
// configuration error (2) whatever the command, and the message says how to
// move it aside.
func CodeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, store.ErrCorrupt) {
		return ExitUsage
	}
	var br *budget.Refused
	if errors.As(err, &br) {
		return ExitBudget
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitInternal
}
