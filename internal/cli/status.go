package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/help"
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
		Long:  help.Status,
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
	quiet := *env // the fleet's warnings too never break a prompt
	if !o.strict {
		quiet.Stderr = io.Discard
	}
	line, err := statusLine(&quiet, args)
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

// statusLine builds the line from local state only (with TIER_SHARED, and
// the fleet's snapshots, as tier quota learns them). An unknown provider
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
	if _, err := a.learnFleet(context.Background()); err != nil { // TIER_SHARED: the fleet's snapshots too
		return status.Line{}, err
	}
	src := a.overviewSource()
	rows, err := src.Rows(overview.Filter{Providers: args})
	if err != nil {
		return status.Line{}, err
	}
	return status.Build(rows, src.Now), nil
}
