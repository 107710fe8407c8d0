package help

import (
	"strconv"

	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/usage"
)

// UsageLog is `tier help usage`: the usage log and how to query it.
func UsageLog() []Group {
	return []Group{
		{
			Title: "What is logged",
			Lead: "Every call tier makes (tier chat, tier quota --probe, batch rows) is one row of the calls table of " + usage.DBFile +
				", a SQLite database in the state directory ($TIER_STATE_DIR): sqlite3 or datasette open it. The API key is never logged, only its name and fingerprint.",
			Entries: []Entry{
				{"at", "Unix milliseconds, UTC."},
				{"kind", "chat, probe or batch."},
				{"provider, key_name, key_fingerprint, model", "Where the call went."},
				{"prompt_tokens, completion_tokens", "As the provider reported them; tokens_estimated = 1 when it did not and tier counted the bytes."},
				{"cost, currency", "The provider's reported cost (OpenRouter) when it gave one, else the catalog's price (cost_estimated = 1); NULL when no price is known, never 0. A call refused before any work (a 429, a bad key) costs 0."},
				{"latency_ms, outcome", "How long the call took; ok, rate_limited, quota_exhausted, auth, invalid_request, server, network, stream_cut, output or interrupted."},
				{"tag", "--tag or TIER_TAG at the call."},
			},
		},
		{
			Title: "How it is written",
			Lead: "A call appends one JSON line to " + usage.JournalFile + " (one write to a file opened O_APPEND, no lock: ~10 µs, where opening the database and inserting costs ~3 ms). " +
				"Whatever reads the log (tier usage, tier quota, a budget check) first moves the journal into the database in one transaction that also records how far it read, so that each call is one row however many processes log and read at once. " +
				"Schema changes are append-only migrations, recorded in the _migrations table; the slots table adds the calls up per quarter hour, and slot_groups per quarter hour and grouping of --by, for fast reports.",
		},
		{
			Title: "tier usage",
			Entries: []Entry{
				{"--daily, --weekly, --monthly", "One row a day (the default), a week (from Monday) or a month, in the local time zone (TZ)."},
				{"--since D", "From a date (2026-12-01) or an age (36h, 7d, 2w, 3m)."},
				{"--by provider|key|model|tag", "Each period split by that."},
				{"--json", "The report: rows of period, start, group, requests, tokens, cost (by currency), cost_estimated, unknown_cost_requests; and the total."},
			},
		},
	}
}

// Budgets is `tier help budgets`.
func Budgets() []Group {
	return []Group{
		{
			Title: "Budgets",
			Lead: "A budget caps what tier's own calls spend. Set them with 'tier budget set' (written to " + budget.FileName +
				" in the config directory; on a budget already there it changes only the flags given, so 'tier budget set ci --limit 5' keeps ci's scope, period and alerts) or list them under budgets: in providers.yaml (checked strictly, with file:line errors; tier never writes that file).",
			Entries: []Entry{
				{"name", "Identifies it (tier budget rm NAME, alerts)."},
				{"provider, key, tag", "Its scope: the calls to a provider (with one of its keys), with a tag, or all calls when none is set."},
				{"limit, unit", "The limit in a currency (USD, the default; EUR; CNY) or in tokens. Calls priced in another currency, or with no known price, count 0 toward a money budget."},
				{"period", "day, week (from Monday), month (the default), calendar periods in the local time zone, or total."},
				{"mode", "hard (the default): a call whose worst case would pass the limit is refused before anything is sent, exit 7. soft: alerts only."},
				{"alert_at", "Percentages of the limit (default 50, 80, 95; 100 always) that alert once a period each: a stderr line after the reply, the alerts member of 'tier chat --json'."},
				{"alert_cmd", "Run with sh -c at each alert, within 10s, with TIER_ALERT_KIND (budget), _BUDGET, _THRESHOLD, _SPENT, _LIMIT, _UNIT, _PERIOD, _RESETS and _MESSAGE in its environment (e.g. curl to a chat webhook)."},
			},
		},
		{
			Title: "Quota alerts",
			Lead: "The provider's own windows and credit alert too once providers.yaml says alerts: {at: [50, 80, 95], cmd: \"...\"} (at defaults to 50, 80, 95; without alerts: none). " +
				"A window (RPD, TPM, ...) alerts once per threshold per window, whichever process made the call that crossed it, and again after it resets; a credit once per threshold until it is topped up. " +
				"Each is a stderr line after the reply and an entry of 'tier chat --json' alerts with kind window or credit (a budget's kind is budget); cmd runs as a budget's alert_cmd, with TIER_ALERT_KIND, _PROVIDER, _KEY, _MODEL, _METRIC, _THRESHOLD, _SPENT, _LIMIT, _UNIT, _PERIOD, _RESETS and _MESSAGE.",
		},
		{
			Title: "The worst case of a call",
			Lead: "Checked before a call is sent: its prompt (about 4 bytes a token) plus --max-tokens, or " + strconv.Itoa(budget.DefaultMaxOutput) +
				" tokens without it (fewer when the model's context is smaller), at the catalog's price. Under a hard money budget a model with no price in the catalog is refused (add its price to providers.yaml, or make the budget soft). " +
				"'tier chat --max-cost 0.05' refuses a single call whose worst case costs more. 'tier quota' and 'tier budget list' show what each budget has spent and when it runs out at the last hour's pace.",
		},
	}
}
