package help

import "fmt"

// ExitCode is one of tier's exit codes and what it means.
type ExitCode struct {
	Code    int
	Meaning string
}

// ExitCodes are the codes of 'tier help exit-codes', in order: the Exit*
// constants of the command layer (a test there checks that both agree).
var ExitCodes = []ExitCode{
	{0, "Success."},
	{1, "Internal error: a bug, or a failure tier did not expect."},
	{2, "Usage or configuration error: a bad flag or argument, an unknown provider or model, a broken providers.yaml, a damaged state file (the message gives the command that moves it aside) or a state directory that is a file, no prompt, no usable keyring to store a key in, a shared Redis (TIER_SHARED) that refuses tier's password or ACL in shared mode required."},
	{3, "Authentication: no key, or the provider answered 401 or 403."},
	{4, "Rate limited: still 429 after --retries, or the wait would exceed --max-wait."},
	{5, "A quota or credit is used up (the provider says which window or balance), or 'tier quota --require' is not met."},
	{6, "Network: unreachable, timeout, 5xx after the retries, or the reply stream was cut; or the shared state (TIER_SHARED's Redis) out of reach in shared mode required, before any call."},
	{7, "tier's own budget reached: a hard budget (tier budget, providers.yaml's budgets) or --max-cost would be passed by the call's worst case, so nothing was sent. Distinct from 5, the provider's own exhaustion."},
	{130, "Interrupted (Ctrl-C)."},
	{141, "Stdout was closed before the reply ended (tier chat ... | head); the call is still recorded. The same status a process killed by SIGPIPE has."},
}

// ExitCodeGroups is the text of 'tier help exit-codes' and of tier(1)'s
// EXIT STATUS.
func ExitCodeGroups() []Group {
	g := Group{Lead: "Every tier command exits with one of these codes. With --json, the error object's exit_code field holds the same code."}
	for _, e := range ExitCodes {
		g.Entries = append(g.Entries, Entry{Term: fmt.Sprint(e.Code), Desc: e.Meaning})
	}
	return []Group{g}
}
