package cli

import (
	"context"
	"github.com/tier-cli/tier/internal/help"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/keys"
)

func newKeysDoctorCmd(env *Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the keyring and the stored keys, and say what to do about each problem",
		Long:  help.KeysDoctor,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runKeysDoctor(cmd.Context(), env, asJSON) },
	}
	jsonFlag(cmd.Flags(), &asJSON, "print the report as JSON")
	return cmd
}

// doctorJSON is 'tier keys doctor --json': the report, and which source
// supplies each provider's default key (keys.InUseRows).
type doctorJSON struct {
	keys.Report
	InUse []keys.JSONRow `json:"in_use"`
}

func runKeysDoctor(ctx context.Context, env *Env, asJSON bool) error {
	rep, inUse, err := newApp(env).KeysDoctor(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		writeJSONOut(env, doctorJSON{Report: rep, InUse: inUse})
	} else {
		rep.Write(env.Stdout)
		keys.WriteInUse(env.Stdout, inUse)
	}
	if !rep.OK() {
		return silent(authf("the key setup has problems"))
	}
	return nil
}
