package cli

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/batch"
	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/models"
	"github.com/tier-cli/tier/internal/pool"
	"github.com/tier-cli/tier/internal/prompt"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/shared"
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

// ExitError is an error whose kind the command layer decided where the
// packages below do not say (a usage error, a key that cannot be used):
// the constructors below make them, and only exitCode reads Code.
type ExitError struct {
	Code int
	Err  error
	// Silent means the message was already printed (e.g. inside --json output).
	Silent bool
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// exitCode is the exit code of err: the one place tier decides it, from
// the errors the packages return (restic's main.go is the model). A
// damaged state file is a configuration error (2) whatever the command,
// and the message says how to move it aside.
func exitCode(err error) int {
	var (
		ee  *ExitError
		be  *batch.Stopped
		ve  *keys.VerifyError
		oe  *api.OutputError
		ae  *api.Error
		ce  *engine.ConfigError
		cae *catalog.Error
		te  *models.TimeoutError
		pe  *prompt.Error
		ue  *shared.Unavailable
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, store.ErrCorrupt), errors.Is(err, store.ErrUnusable):
		return ExitUsage
	case errors.As(err, new(*budget.Refused)):
		return ExitBudget
	case errors.As(err, new(*pool.NoHeadroomError)):
		return ExitExhausted
	case errors.As(err, &be):
		if be.Interrupted {
			return ExitInterrupted
		}
		return ExitExhausted
	case errors.As(err, &ue):
		if ue.Refused() { // credentials or ACL: the user's to fix
			return ExitUsage
		}
		return ExitNetwork
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ve):
		return verifyExit(ve.Result)
	case errors.Is(err, context.Canceled), errors.Is(err, keys.ErrCancelled):
		return ExitInterrupted
	case errors.As(err, &oe):
		if errors.Is(err, syscall.EPIPE) {
			return ExitBrokenPipe
		}
		return ExitInternal
	case errors.As(err, &ae):
		return classExit(ae.Class)
	case errors.As(err, &ce), errors.As(err, &cae):
		return ExitUsage
	case errors.As(err, new(*budget.UsageError)):
		return ExitUsage
	case errors.Is(err, keys.ErrRefused), errors.Is(err, keys.ErrNoKey), errors.Is(err, keys.ErrNotStored):
		return ExitAuth
	case errors.As(err, &te):
		return ExitNetwork
	case errors.As(err, &pe):
		if pe.Interrupted {
			return ExitInterrupted
		}
		return ExitUsage
	}
	// Last: the kind app gave a failure of its own, which the error it
	// wraps does not override.
	var ke *app.Error
	if errors.As(err, &ke) {
		switch ke.Kind {
		case app.KindUsage:
			return ExitUsage
		case app.KindAuth:
			return ExitAuth
		case app.KindNetwork:
			return ExitNetwork
		}
	}
	return ExitInternal
}

// classExit is the exit code of a response's outcome class.
func classExit(c quota.Class) int {
	switch c {
	case quota.ClassAuth:
		return ExitAuth
	case quota.ClassRateLimited:
		return ExitRateLimited
	case quota.ClassQuotaExhausted:
		return ExitExhausted
	case quota.ClassInvalid:
		return ExitUsage
	case quota.ClassServer, quota.ClassNetwork:
		return ExitNetwork
	}
	return ExitInternal
}

// errorText is err as tier prints it: one line, and "interrupted" for a
// run whose context was cancelled (Ctrl-C).
func errorText(err error) string {
	var ee *ExitError
	if errors.Is(err, context.Canceled) && !errors.As(err, &ee) {
		return "interrupted"
	}
	return oneLine(err.Error())
}

// interrupted is err of a run whose context was cancelled: a failure of
// no known kind is taken for the interruption's doing (exit 130).
func interrupted(err error) error { return kinded(ExitInterrupted, err) }

// kindOf is the "kind" member of a JSON error object.
func kindOf(err error) string {
	var ae *api.Error
	if errors.As(err, &ae) {
		if ae.StreamCut {
			return "stream_cut"
		}
		return string(ae.Class)
	}
	switch exitCode(err) {
	case ExitUsage:
		return "usage"
	case ExitAuth:
		return "auth"
	case ExitInterrupted:
		return "interrupted"
	case ExitBudget:
		return "budget"
	case ExitRateLimited: // as the api.Error classes of the same exits say it
		return string(quota.ClassRateLimited)
	case ExitExhausted:
		return string(quota.ClassQuotaExhausted)
	case ExitNetwork:
		return string(quota.ClassNetwork)
	}
	return "internal"
}

// kinded wraps err as code unless exitCode already knows its kind.
func kinded(code int, err error) error {
	if err == nil || exitCode(err) != ExitInternal {
		return err
	}
	var ee *ExitError
	if errors.As(err, &ee) { // decided already, as internal
		return err
	}
	return &ExitError{Code: code, Err: err}
}

// usagef is a usage or configuration error (exit 2).
func usagef(format string, a ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, a...)}
}

// usageErr makes err a usage error unless its kind is known.
func usageErr(err error) error { return kinded(ExitUsage, err) }

// authf is a key that is missing or cannot be used (exit 3).
func authf(format string, a ...any) error {
	return &ExitError{Code: ExitAuth, Err: fmt.Errorf(format, a...)}
}

// authErr makes err a key failure unless its kind is known: every failure
// to find a key to send.
func authErr(err error) error { return kinded(ExitAuth, err) }

// networkErr makes err a network failure unless its kind is known: what a
// call or a fetch fails with when no response says otherwise.
func networkErr(err error) error { return kinded(ExitNetwork, err) }

// exhaustedErr is an unmet requirement (exit 5).
func exhaustedErr(err error) error { return &ExitError{Code: ExitExhausted, Err: err} }

// internalErr is a failure tier did not expect (exit 1), such as a table
// that cannot be written.
func internalErr(err error) error { return &ExitError{Code: ExitInternal, Err: err} }

// silent is err, already reported (on stderr or in the JSON printed):
// Run prints nothing more and exits with its code.
func silent(err error) error {
	return &ExitError{Code: exitCode(err), Err: err, Silent: true}
}

// verifyExit is the exit code of a key check that did not succeed:
// refused 3, unreachable 6, 429 4, 402 5, else 2 (the provider's answer
// says nothing about the key).
func verifyExit(v keys.VerifyResult) int {
	switch {
	case v.Status == keys.VerifyRefused:
		return ExitAuth
	case v.Status == keys.VerifyUnreachable:
		return ExitNetwork
	case v.HTTPStatus == 429:
		return ExitRateLimited
	case v.HTTPStatus == 402:
		return ExitExhausted
	}
	return ExitUsage
}

// severity orders failures when a command reports several (tier models):
// the first is the most severe (it needs the user's action), the last the
// most transient.
var severity = []int{ExitInterrupted, ExitInternal, ExitUsage, ExitAuth, ExitExhausted, ExitRateLimited, ExitNetwork}

// worst is the most severe of errs (nil when there is none).
func worst(errs []error) error {
	rank := func(err error) int {
		c := exitCode(err)
		for i, s := range severity {
			if s == c {
				return i
			}
		}
		return len(severity)
	}
	var w error
	for _, err := range errs {
		if err != nil && (w == nil || rank(err) < rank(w)) {
			w = err
		}
	}
	return w
}
