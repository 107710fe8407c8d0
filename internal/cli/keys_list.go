package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/keys"
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
		Long: `List every provider with a key: stored ones (keyring, or the plaintext file, marked as such)
and those whose key comes from an environment variable or key_cmd. For each key: its name, the
source it comes from, its fingerprint (last 4 characters), when it was created, last rotated and
last verified, its age, whether a rotation is due, and which key a plain 'tier chat -p PROVIDER' uses
("default"), or what overrides it, or why tier would not send it. --all adds the catalog's
providers that have no key yet, with where to get one. It runs no key_cmd; it reads the keyring
for the host each key is pinned to, and for default keys tier has no record of.`,
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
	profiles, m, err := a.keyProfiles()
	if err != nil {
		return err
	}
	rows, err := m.List(profiles, env.Getenv)
	if err != nil {
		return keysErr(err, nil)
	}
	out := make([]keys.JSONRow, 0, len(rows))
	have := map[string]bool{}
	for _, r := range rows {
		have[r.Provider] = true
		out = append(out, r.JSON())
	}
	if o.all {
		c, _ := a.catalog()
		for _, name := range c.Names() {
			p := c.Providers[name]
			if have[name] || p.NoKey || p.Demo {
				continue
			}
			out = append(out, keys.NoKeyRow(p))
		}
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
	now := a.now()
	var table [][]string
	for _, r := range out {
		table = append(table, ui.KeyRow(r, now, th))
	}
	if err := env.table(ui.KeyHeaders, table, th, nil); err != nil {
		return internalErr(fmt.Errorf("cannot write the table: %w", err))
	}
	return nil
}
