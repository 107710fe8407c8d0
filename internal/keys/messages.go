package keys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tier-cli/tier/internal/prompt"
)

// Label names a key in messages: `the key for groq` or `the key "work"
// for groq`.
func Label(provider, name string) string {
	if name == DefaultName {
		return "the key for " + provider
	}
	return fmt.Sprintf("the key %q for %s", name, provider)
}

// CmdLine is the tier keys command that does verb to the key: `tier keys
// rotate groq`, `tier keys test groq --name work`.
func CmdLine(verb, provider, name string) string {
	s := "tier keys " + verb + " " + provider
	if name != DefaultName {
		s += " --name " + name
	}
	return s
}

// UnverifiedWarning says what a verification that did not succeed (v nil:
// none was made) means for a key that was stored anyway, pinned to pinned,
// and where it may be sent; "" when it was verified.
func UnverifiedWarning(v *VerifyResult, pinned, provider, name string) string {
	test := CmdLine("test", provider, name)
	pin := "it is pinned to " + pinned + " and goes nowhere else"
	if pinned == "" {
		pin = "it is pinned to no host, so tier will not send it until '" + test + "' verifies it"
	}
	switch {
	case v == nil:
		return fmt.Sprintf("stored unverified (--no-verify); %s: run '%s' to check it", pin, test)
	case v.Status == VerifyUnreachable:
		return fmt.Sprintf("stored unverified: host unreachable (%s); %s: run '%s' to check it", v.Message, pin, test)
	case v.Status != VerifyOK:
		return fmt.Sprintf("stored unverified: %s; %s: run '%s' to check it later", v.Message, pin, test)
	}
	return ""
}

// ReadKey reads a key the way every keys command does: a hidden prompt
// when stdin is a terminal (tty; Ctrl-C, Ctrl-D on an empty line or Esc
// cancel it: ErrCancelled), else the one line on stdin. A stdin that
// sends nothing within TIER_STDIN_TIMEOUT (default 30s) is given up on,
// as in 'tier chat'.
func ReadKey(stdin io.Reader, tty bool, stderr io.Writer, getenv func(string) string) (string, error) {
	if stdin == nil {
		return "", errors.New("no stdin to read the key from: pipe it in")
	}
	if tty {
		return ReadSecret(stdin, true, stderr)
	}
	grace, err := prompt.StdinTimeout(getenv, prompt.GraceNoArgs)
	if err != nil {
		return "", err
	}
	data, timedOut, err := prompt.ReadFirstByte(context.Background(), io.LimitReader(stdin, 4*MaxSecretLen+1), grace)
	if timedOut {
		return "", fmt.Errorf("no key arrived on stdin within %s: pipe it in (e.g. 'pass show groq | tier keys set groq'), run the command in a terminal to be prompted, or set TIER_STDIN_TIMEOUT=0", grace)
	}
	if err != nil {
		return "", fmt.Errorf("cannot read the key from stdin: %s", oneLine(err.Error()))
	}
	return ReadSecret(bytes.NewReader(data), false, nil)
}
