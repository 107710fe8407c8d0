package cli

import (
	"errors"
	"fmt"
	"io"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/status"
	"github.com/tier-cli/tier/internal/store"
)

type statusOptions struct {
	format  string
	json    bool
	strict  bool
	install string
}

func newStatusCmd(env *Env) *cobra.Command {
	o := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status [PROVIDER...]",
		Short: "Print one short line of what is left, for status bars and prompts",
		Long: `Print one short line of what is left, for a tmux status bar, a shell prompt or an editor's
status line, e.g.

  deepseek $4.20 exp 12d · groq 9/30rpm 880/1000rpd

It reads local state only, as a plain 'tier quota' does: never the network, and fast enough to
run at every prompt. Each provider used (or each one named) shows its request windows, any other
window with less than a fifth left, and its credit with the time to its expiry; for each window
the tightest of the provider's keys and models. '~' marks an estimate; a window not reported is
left out, never shown as 0. Colour only on a terminal (never with NO_COLOR), so a prompt or
tmux gets plain text.

It never prints an error that would break a prompt: when nothing is known, or the state or the
configuration is damaged, it prints an empty line and exits 0. --strict makes those errors:
a damaged state file or configuration exits 2, nothing known exits 5. A bad --format or flag is
always a usage error (exit 2).

--format takes a Go text/template (pkg.go.dev/text/template) whose dot is the line:
  .Text                 the default line, without colour
  .Providers            one per provider, each with:
    .Name .Text         its name, its part of the default line
    .Windows            every window with a figure left; .Shown: those the default line shows
      .Label            rpm, rpd, tpm, tpd, itpm, neurons/day ...
      .Metric .Period   requests, tokens ...; minute, day ...
      .Key .Model       the key and model of the tightest figure
      .Remaining        what is left (a number)
      .Limit            the limit (a pointer: test it with 'if'), .PercentLeft (-1 without a limit)
      .ResetAt .ResetIn the reset as a time and as "41s", "" when unknown
      .Estimate .Refilled .Text ("9/30rpm", "~38/50rpd")
    .Credit             nil when unknown (test it with 'with'), else:
      .Amount .Remaining .Unit .Key .Estimate
      .ExpiresAt .ExpiresIn ("12d", "expired", "" when it does not expire) .Text ("$4.20 exp 12d")
and the function join (join LIST SEP). Templates print plain text.

--json prints the same data as an object: text, and providers with windows and credit.

--install tmux|starship|bash|zsh|vim prints the snippet to add to that tool's configuration (it
changes nothing); the README's "See it everywhere" has them all.`,
		Example: `  tier status
  tier status groq deepseek
  tier status --format '{{range .Providers}}{{.Name}}:{{range .Windows}} {{.Text}}{{end}} {{end}}'
  tier status --format '{{with index .Providers 0}}{{with .Credit}}{{.Amount}}{{end}}{{end}}'
  tier status --install tmux >> ~/.tmux.conf`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStatus(env, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", "a Go text/template for the line (see the fields above)")
	jsonFlag(f, &o.json, "print the line's data as a JSON object")
	f.BoolVar(&o.strict, "strict", false, "exit non-zero when nothing is known or the state is damaged")
	f.StringVar(&o.install, "install", "", "print the snippet for tmux, starship, bash, zsh or vim, and change nothing")
	cmd.RegisterFlagCompletionFunc("install", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return status.Tools(), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func runStatus(env *Env, o *statusOptions, args []string) error {
	if o.install != "" {
		s, ok := status.Snippet(o.install)
		if !ok {
			return usagef("no snippet for %q: --install takes one of %s", o.install, status.ToolList())
		}
		_, err := io.WriteString(env.Stdout, s)
		return err
	}
	if o.format != "" && o.json {
		return usagef("--format and --json do not go together: --json prints the data a --format template sees")
	}
	var tmpl *template.Template
	if o.format != "" {
		t, err := status.Parse(o.format)
		if err != nil {
			return usagef("--format: %v", err)
		}
		tmpl = t
	}
	line, err := statusLine(env, args)
	if err == nil && o.strict && len(line.Providers) == 0 {
		err = exhaustedErr(errors.New("nothing known yet: run 'tier chat' or 'tier quota --refresh' first"))
	}
	if err != nil && o.strict {
		return err
	}
	if err != nil {
		line = status.Line{Providers: []status.Provider{}} // never break a prompt
	}
	switch {
	case o.json:
		writeJSONOut(env, line)
	case tmpl != nil:
		if len(line.Providers) == 0 && !o.strict {
			_, err := fmt.Fprintln(env.Stdout)
			return err
		}
		if err := status.Execute(env.Stdout, tmpl, line); err != nil {
			if o.strict {
				return usagef("--format: %v", err)
			}
			_, err := fmt.Fprintln(env.Stdout)
			return err
		}
	default:
		now := newApp(env).now()
		return status.Render(env.Stdout, line, now, env.theme(env.Stdout))
	}
	return nil
}

// statusLine builds the line from local state only. An unknown provider
// name, a broken configuration or a damaged state file is an error the
// caller swallows unless --strict.
func statusLine(env *Env, args []string) (status.Line, error) {
	a := newApp(env)
	cat, err := a.catalog()
	if err != nil {
		return status.Line{}, err
	}
	for _, name := range args {
		if _, err := cat.Profile(name); err != nil {
			return status.Line{}, usageErr(err)
		}
	}
	// The snapshots are checked as Rows reads them (once: they are the
	// largest file); the others here.
	if err := a.checkState(store.LedgerFile, seenState, keysState); err != nil {
		return status.Line{}, err
	}
	src := a.overviewSource()
	rows, err := src.Rows(overview.Filter{Providers: args})
	if err != nil {
		return status.Line{}, err
	}
	return status.Build(rows, src.Now), nil
}
