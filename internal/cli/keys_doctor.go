package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/keys"
)

func newKeysDoctorCmd(env *Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the keyring and the stored keys, and say what to do about each problem",
		Long: `Check what keys depend on: which keyring backend is in use; on Linux and the BSDs, whether a D-Bus
session bus and a Secret Service are reachable and unlocked (a probe read, with a timeout);
whether TIER_NO_KEYRING turns the keyring off; stored keys the keyring has lost, keys pinned to a
host their profile no longer points at or to no host at all (also default keys in the keyring
that tier has no record of), keys due for rotation, expired credit grants, environment
variables that override stored keys, and keys kept in plaintext. It also says which source
supplies each provider's key. Each problem comes with what to do about it.

Exit status: 0 when no problem is an error, 3 otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runKeysDoctor(cmd.Context(), env, asJSON) },
	}
	jsonFlag(cmd.Flags(), &asJSON, "print the report as JSON")
	return cmd
}

// doctorJSON is 'tier keys doctor --json': the report, and which source
// supplies each provider's default key (keys.Row.InUse).
type doctorJSON struct {
	keys.Report
	InUse []keys.JSONRow `json:"in_use"`
}

func runKeysDoctor(ctx context.Context, env *Env, asJSON bool) error {
	a := newApp(env)
	profiles, m, err := a.keyProfiles()
	if err != nil {
		return err
	}
	rep := m.Doctor(ctx, profiles)
	if rep.Problems == nil {
		rep.Problems = []keys.Problem{}
	}
	inUse := []keys.JSONRow{}
	if rows, err := m.List(profiles, env.Getenv); err == nil {
		for _, r := range rows {
			if r.Default {
				inUse = append(inUse, r.InUse())
			}
		}
	}
	if asJSON {
		writeJSONOut(env, doctorJSON{Report: rep, InUse: inUse})
	} else {
		rep.Write(env.Stdout)
		if len(inUse) > 0 {
			fmt.Fprintln(env.Stdout, "keys in use:")
			for _, k := range inUse {
				fp := k.Fingerprint
				if fp == "" {
					fp = "-"
				}
				if k.Note != "" {
					fp += " (" + k.Note + ")"
				}
				fmt.Fprintf(env.Stdout, "  %s: %s %s\n", k.Provider, k.Source, fp)
			}
		}
	}
	if !rep.OK() {
		return silent(authf("the key setup has problems"))
	}
	return nil
}
