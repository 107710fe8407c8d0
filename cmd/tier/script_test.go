//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestScripts runs the scenarios in testdata/script against the built
// binary: each script has its own $WORK with config/ (TIER_CONFIG_DIR) and
// state/ (TIER_STATE_DIR), and no network but loopback.
//
// Besides testscript's own commands, a script has:
//
//	tier ARGS...    runs tier (with !, expects it to fail)
//	exit N          checks the exit code of the last tier run
//	minute-start    waits until at least 3s are left in the current minute
func TestScripts(t *testing.T) {
	var codes sync.Map // *testscript.TestScript -> exit code of its last tier run
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", filepath.Dir(tierBin)+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("TIER_CONFIG_DIR", filepath.Join(env.WorkDir, "config"))
			env.Setenv("TIER_STATE_DIR", filepath.Join(env.WorkDir, "state"))
			env.Setenv("TIER_STDIN_TIMEOUT", "1s")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"tier": func(ts *testscript.TestScript, neg bool, args []string) {
				err := ts.Exec("tier", args...)
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					ts.Fatalf("cannot run tier: %v", err)
				}
				codes.Store(ts, code)
				if (code != 0) != neg {
					ts.Fatalf("tier exited with %d", code)
				}
			},
			"exit": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 || neg {
					ts.Fatalf("usage: exit N")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("usage: exit N")
				}
				got, ok := codes.Load(ts)
				if !ok {
					ts.Fatalf("exit: tier has not run yet")
				}
				if got != want {
					ts.Fatalf("tier exited with %d, want %d", got, want)
				}
			},
			// minute-start waits until at least 3s are left in the
			// current minute, so that a script about a per-minute counter
			// does not see it reset half-way.
			"minute-start": func(ts *testscript.TestScript, neg bool, args []string) {
				if left := time.Until(time.Now().Truncate(time.Minute).Add(time.Minute)); left < 3*time.Second {
					time.Sleep(left + 100*time.Millisecond)
				}
			},
		},
	})
}
