package help

// JSON documents every member of the quota snapshot in --json output (a
// test of package cli checks that none is missing).
func JSON() []Group {
	return []Group{
		{
			Title: "Snapshot",
			Lead: "One provider, key and model at one moment: the quota member of 'tier chat --json', each element of 'tier quota --json'. " +
				"A member that is absent was not reported: never read it as 0. Members are only ever added.",
			Entries: []Entry{
				{"provider", "The provider's name in the catalog."},
				{"key", "The key's name (tier keys)."},
				{"model", "Absent for the key as a whole (a balance endpoint, GET /models)."},
				{"observed_at", "When the provider last answered (RFC 3339, UTC)."},
				{"windows", "The rate-limit windows, below; [] when none is known."},
				{"retry_after_s", "Seconds to wait before retrying, as the provider said on a failed request (never read from a success)."},
				{"credit", "A money or token balance, below."},
				{"budget", "A spending cap set on the key (OpenRouter's key limit), below: what the key may still spend, not money in the account."},
				{"shared", "With TIER_SHARED, in tier quota: the figures are the fleet's, seen by another tier: shared.host (its host name), shared.at (when it published them), shared.fingerprint (the key's, never the key)."},
			},
		},
		{
			Title: "Windows",
			Entries: []Entry{
				{"window.metric", "What is counted: requests, tokens, input_tokens and output_tokens (Anthropic's separate buckets), or the provider's own unit (neurons, prompt_tokens)."},
				{"window.period", "How long the window lasts: second, minute, hour, day, week, month, <n>-<unit> for n units (10-second, 5-minute), or unknown when nothing says."},
				{"window.limit", "A whole number."},
				{"window.remaining", "A whole number; absent when only the limit is known (an error that names a limit but not what is used)."},
				{"window.reset_at", "When the window refills (RFC 3339, UTC)."},
				{"window.source", "header, error (an error body), balance, estimate (counted by tier from its own calls), projected (a stored figure past its reset), grant, learned (a limit an error named, kept after its window: Gemini's per-project quotas are published nowhere else)."},
				{"window.learned_at", "When a learned limit was learned; later estimates made from it carry it too."},
				{"window.runs_out_at", "tier quota only, an estimate: when the window runs out at the pace of tier's own calls of the last hour, when that is before its reset (windows of an hour or longer)."},
				{"window.burn_per_hour", "That pace: the window's metric used per hour."},
				{"window.observed_at", "When this window's figures were seen, when that is earlier than the snapshot's observed_at: a window the newest reply did not repeat, kept until its reset. Absent means the snapshot's time."},
			},
		},
		{
			Title: "Credit",
			Entries: []Entry{
				{"credit.remaining", "What is left."},
				{"credit.unit", "USD, another currency (CNY) or tokens."},
				{"credit.granted", "The amount of a recorded or published grant."},
				{"credit.granted_remaining", "What is left of free grants, when the provider splits the balance (DeepSeek)."},
				{"credit.topped_up_remaining", "What is left of money paid in, likewise."},
				{"credit.expires_at", "When the credit expires."},
				{"credit.lasts_until", "tier quota only, an estimate: when the credit runs out at the pace of tier's own calls of the last 7 days (their cost, reported or at the catalog's prices), over the time since the first of them when the log is younger, and at least a day."},
				{"credit.burn_per_day", "That pace, in the credit's unit per day."},
				{"credit.source", "As for windows."},
			},
		},
		{
			Title: "Budget",
			Entries: []Entry{
				{"budget.limit", "The cap."},
				{"budget.remaining", "What is left of it, never below 0."},
				{"budget.used", "What was spent in the current period (all time when the cap never resets)."},
				{"budget.unit", "USD."},
				{"budget.period", "day, week or month: how often the cap resets; absent when it never does."},
				{"budget.reset_at", "When it next resets (00:00 UTC; weeks start on Monday)."},
				{"budget.source", "As for windows."},
			},
		},
	}
}
