package cli

import (
	"errors"
	"io"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/help"
	"github.com/tier-cli/tier/internal/status"
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
	line, err := newApp(&quiet).StatusLine(args)
	if err == nil && o.strict && len(line.Providers) == 0 {
		err = exhaustedErr(errors.New("nothing known yet: run 'tier chat' or 'tier quota --refresh' first"))
	}
	if err != nil && o.strict {
		return err
	}
	if err != nil {
		line = status.Line{Providers: []status.Provider{}} // never break a prompt
	}
	if o.json {
		writeJSONOut(env, line)
		return nil
	}
	err = status.Write(env.Stdout, line, tmpl, o.strict, newApp(env).Now(), env.theme(env.Stdout))
	if errors.As(err, new(*status.FormatError)) {
		return usageErr(err)
	}
	return err
}
