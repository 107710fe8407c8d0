package cli

import (
	"encoding/json"
	"errors"
	"testing"
)

// A JSON error object's kind agrees with its exit code: "internal" is exit
// 1 only, whether or not a provider's response classified the failure.
func TestJSONErrorKindMatchesTheExitCode(t *testing.T) {
	for _, c := range []struct {
		err  error
		kind string
	}{
		{exhaustedErr(errors.New("nothing known yet")), "quota_exhausted"},
		{networkErr(errors.New("shared state unreachable")), "network"},
		{&ExitError{Code: ExitRateLimited, Err: errors.New("cooling down")}, "rate_limited"},
		{usagef("bad flag"), "usage"},
		{errors.New("a bug"), "internal"},
	} {
		if j := newJSONError(c.err); j.Kind != c.kind {
			t.Errorf("%v (exit %d): kind %q, want %q", c.err, j.ExitCode, j.Kind, c.kind)
		}
	}
	// tier status --strict --json with nothing known.
	out, _, code := runEnv(map[string]string{"TIER_STATE_DIR": t.TempDir(), "TIER_CONFIG_DIR": t.TempDir(), "TIER_NO_KEYRING": "1"}, "status", "--strict", "--json")
	var j struct {
		Error struct {
			Kind     string `json:"kind"`
			ExitCode int    `json:"exit_code"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != ExitExhausted || j.Error.Kind != "quota_exhausted" || j.Error.ExitCode != ExitExhausted {
		t.Errorf("tier status --strict --json: exit %d, %q (%v)", code, out, err)
	}
}
