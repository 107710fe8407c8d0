package cli

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/tier-cli/tier/internal/app"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/ui"
)

// Env is the factory of a run (gh's cmdutil.Factory and iostreams): all a
// command sees of the outside world, built once in Main (systemEnv) and
// handed down. Tests build their own, so that runs share nothing and may
// go in parallel. A nil field is the system's choice.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv is the only way to the environment: no code of tier's reads
	// os.Getenv outside this seam.
	Getenv func(string) string
	// Now is the clock of the run: what a call records, what quota
	// projects and estimates against, a key's age. nil: time.Now.
	Now func() time.Time
	// Wait is chat's wait between retries; nil: a countdown on Stderr
	// (none with --quiet). A fake clock moves here instead of sleeping.
	Wait func(ctx context.Context, d time.Duration, why string) error
	// Keyring is where keys are kept; nil: the OS keyring.
	Keyring keys.Backend
	// Terminal says whether stream (Stdin, Stdout or Stderr) is a
	// terminal, and its width in columns (0 unknown); nil: asks the OS.
	Terminal func(stream any) (tty bool, width int)

	jq *jqState // this run's --jq, when given (jqflag.go)
}

// systemEnv is the process's own streams and environment.
func systemEnv() *Env {
	return &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// newApp is what the run loads lazily (catalog, store, keys, fleet,
// budgets, engine) over this factory.
func newApp(e *Env) *app.App {
	return app.New(app.Config{Getenv: e.Getenv, Now: e.Now, Stderr: e.Stderr, Keyring: e.Keyring})
}

// clock is the run's clock.
func (e *Env) clock() func() time.Time {
	if e.Now != nil {
		return e.Now
	}
	return time.Now
}

// terminal is Terminal, or the OS's answer.
func (e *Env) terminal(stream any) (bool, int) {
	if e.Terminal != nil {
		return e.Terminal(stream)
	}
	return ui.Terminal(stream)
}

// isTerminal says whether stream is a terminal.
func (e *Env) isTerminal(stream any) bool {
	tty, _ := e.terminal(stream)
	return tty
}

// theme is the styles for what is written to w: coloured on a terminal
// unless NO_COLOR and friends say otherwise (ui.ColorFor).
func (e *Env) theme(w io.Writer) ui.Theme {
	return ui.NewTheme(ui.ColorFor(e.isTerminal(w), e.Getenv))
}

// table writes a table to stdout, fitted to the terminal's width there
// (ui.FitTable); styled as the theme says, or as on a terminal when
// styled is nil.
func (e *Env) table(headers []string, rows [][]string, th ui.Theme, styled *bool) error {
	tty, width := e.terminal(e.Stdout)
	if styled == nil {
		styled = &tty
	}
	return ui.FitTable(e.Stdout, headers, rows, *styled, th, width)
}
