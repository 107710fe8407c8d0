package cli

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/chat"
	"github.com/tier-cli/tier/internal/jq"
	"github.com/tier-cli/tier/internal/ui"
)

// The output wiring every command shares: what --json prints goes through
// writeJSONOut (and --jq's filter when given); a failure with --json is
// printed as an object by failJSON, whoever fails (Run for what fails
// before a command can, the command for what it knows more of).

// writeJSON writes v to stdout as --json prints it, or through --jq's
// filter when there is one. A filter that fails on v says so on stderr and
// makes the run exit 2.
func writeJSON(env *Env, v any) error {
	if env.jq == nil {
		return ui.WriteJSON(env.Stdout, v)
	}
	err := env.jq.filter.Write(env.Stdout, v, env.isTerminal(env.Stdout))
	var ee *jq.EvalError
	if errors.As(err, &ee) {
		if env.jq.failed == nil {
			env.jq.failed = fmt.Errorf("--jq: %v", oneLine(ee.Error()))
			fmt.Fprintf(env.Stderr, "tier: %v\n", env.jq.failed)
		}
		return nil
	}
	return err
}

// writeJSONOut writes v to stdout; a failure is reported on stderr (not
// when the reader went away: that is not worth a message) and returned.
func writeJSONOut(env *Env, v any) error {
	err := writeJSON(env, v)
	if err != nil && !errors.Is(err, syscall.EPIPE) {
		fmt.Fprintf(env.Stderr, "tier: cannot write JSON: %v: check free space or where stdout goes\n", err)
	}
	return err
}

// failJSON prints v, the JSON object of a run that failed with err (its
// "error" member set from err), says err on stderr and returns it silent:
// scripts that asked for JSON get an object whatever failed.
func failJSON(env *Env, v any, err error) error {
	writeJSONOut(env, v)
	fmt.Fprintf(env.Stderr, "tier: %s\n", errorText(err))
	return silent(err)
}

// newJSONError is err as the "error" member of --json output.
func newJSONError(err error) *chat.Error {
	j := &chat.Error{Kind: kindOf(err), Message: errorText(err), ExitCode: exitCode(err)}
	var ae *api.Error
	if errors.As(err, &ae) {
		j.HTTPStatus = ae.Status
	}
	return j
}
