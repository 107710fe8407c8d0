package cli

import (
	"fmt"
	"github.com/tier-cli/tier/internal/help"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/ui"
)

type keysListOptions struct {
	json, all bool
}

func newKeysListCmd(env *Env) *cobra.Command {
	o := &keysListOptions{}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List every key: where it comes from, its fingerprint, age and rotation",
		Long:    help.KeysList,
		Example: `  tier keys list
  tier keys list --all
  tier keys list --json | jq -r '.[] | select(.rotate_overdue) | .provider'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runKeysList(env, o) },
	}
	jsonFlag(cmd.Flags(), &o.json, "print a JSON array")
	cmd.Flags().BoolVar(&o.all, "all", false, "also list the providers that have no key yet")
	return cmd
}

func runKeysList(env *Env, o *keysListOptions) error {
	a := newApp(env)
	out, err := a.KeyRows(o.all)
	if err != nil {
		return err
	}
	if o.json {
		writeJSONOut(env, out)
		return nil
	}
	if len(out) == 0 {
		fmt.Fprintln(env.Stderr, "tier: no keys yet: run 'tier keys set PROVIDER' ('tier keys list --all' shows where to get keys)")
		return nil
	}
	th := env.theme(env.Stdout)
	if err := env.table(ui.KeyHeaders, ui.KeyRows(out, a.Now(), th), th, nil); err != nil {
		return internalErr(fmt.Errorf("cannot write the table: %w", err))
	}
	return nil
}
