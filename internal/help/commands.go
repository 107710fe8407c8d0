package help

// The long help of commands whose text is reference rather than flag
// wiring: what the command does, how it paces, retries and fails, what its
// --json means. cli gives them to cobra as they are.

// Chat is the long help of tier chat.
const Chat = `Send one prompt and stream the reply to stdout. Afterwards one line on stderr shows what is
left: requests and tokens per minute and day with reset countdowns, and credit with its expiry.

The prompt comes from the arguments and/or stdin: 'git diff | tier chat "review this"' sends both
(stdin first). Stdin that is a terminal is never read. Otherwise tier waits for its first byte for
TIER_STDIN_TIMEOUT: 2s when the prompt is also given as arguments (then it goes on without stdin
and says so), 30s when it is not (then it fails with exit code 2); TIER_STDIN_TIMEOUT=0 waits
forever. --no-stdin never reads stdin. So tier never hangs on an inherited stdin that is open but
never written to, as in CI jobs and child processes.

A 429, a 5xx or a network failure before the response is retried (--retries), waiting as long as
Retry-After, the reset headers or the error body say, plus jitter, within --max-wait in total
(default 90s, so a used-up minute is waited out); when the provider gives no time, tier backs off
and says so. A used-up quota or credit is not retried unless its stated reset is within
--max-wait: tier says which window ran out and when it resets. A reply whose 2xx status arrived
is never sent again, since the provider may bill it: if it is cut, what arrived is kept (exit 6).
A host that does not exist is not retried.
A reply that sends nothing at all for TIER_STALL_TIMEOUT (default 10m; 0 waits forever) is
abandoned as a network failure (exit code 6).`

// Batch is the long help of tier batch.
const Batch = `Run every row of INPUT (OpenAI's batch JSONL: custom_id, method, url, body; or with --prompts
one prompt a line; - reads stdin) and write one result a row to --output, in the OpenAI Batch API's
output shape (id, custom_id, response {status_code, request_id, body}, error). A row that fails
has its error in its line: none is lost.

Each target's quota is paced from the freshest reading of its headers: (remaining - in flight -
reserve) spread over the time to its reset, token windows by an estimate of each prompt corrected
by the usage replies report, concurrency by that rate times the latency seen. A 429 pauses the
whole quota until the provider's hint. Providers that report nothing are paced by the catalog's
published limits. --reserve rpd=20 keeps headroom for interactive use. When a day window or the
credit runs out, the rows in flight are finished and written, tier says when it can go on, and
exits 5.

A journal next to the output (OUTPUT.journal) makes the run resumable: after a crash, kill -9 or
Ctrl-C, the same command skips the rows written and sends again the rows that were in flight (it
says so: calls are at-least-once, output rows exactly-once). Nothing else is ever sent twice.`

// Quota is the long help of tier quota.
const Quota = `Show what is left of every rate limit and credit, per provider, key and model seen: the last
figures each provider reported, projected past their resets; the catalog's published limits where
a provider reports nothing, with what is left estimated from the calls tier itself made (calls made
outside tier are not counted); credit balances, grants and expiry countdowns; and how old it all is.

A plain 'tier quota' reads local state only: no network. Figures are marked by where they come
from: '~' is an estimate, '(refilled)' a window whose reset has passed since it was seen, '-' a
figure that is not reported. An '(account)' row is the key as a whole, from a balance endpoint or
GET /models; its credit also shows on the key's model rows. Credit expiry comes from the grant
recorded with the key (tier keys set --credit ... --granted ...) or, failing that and when no
balance was reported, from the catalog's published validity counted from when the key was added
or first used (an estimate, marked '~'). Credit that expires within 7 days highlights its rows
and prints a warning on stderr.

--refresh asks the providers what can be learned without spending quota: balance endpoints
(DeepSeek, OpenRouter, Vercel) and GET /models for providers that send rate-limit headers there,
concurrently, each within --timeout. Without names it asks every provider that has a key.
--probe also spends one minimal request (one output token) on providers that report their limits
only on chat calls, and says so.

--require gates CI jobs: 'tier quota groq --require rpd=20,credit=0.50' exits 5 with one line per
unmet requirement when a selected provider has less left. Every model seen must meet a window
requirement; a window that is not reported fails it. --allow-unknown excuses only windows the
provider never reports (none of its headers, no balance endpoint): a figure it reports but tier has
not seen yet fails the gate, as does a --refresh or --probe that failed (exit 3 when it failed for
want of a key or a refused key), so a gate on a fresh CI runner cannot pass knowing nothing. Put
the key in the gate's environment and use --refresh, plus --probe for providers that report their
limits only on chat calls (Groq, Cerebras, SambaNova). Names: rpm, rph, rpd, tpm, tph, tpd, credit,
or METRIC/PERIOD such as neurons/day; credit takes an amount as --credit does (5, $5, 5USD).

--json prints an array of snapshots, each in the form of the quota of 'tier chat --json'.
observed_at is when the provider last answered; for a provider named but never used it is the
time of the run, and every window is the catalog's, marked "estimate". A window with an
observed_at of its own was seen earlier than that, in a reply since which the provider has not
repeated it.

Exit codes: 0 all well; 2 bad usage, or a damaged state file (the message gives the command that
moves it aside); 3 --key names no key of a named provider, or with --require a refresh failed for
want of a key; 5 a requirement unmet, or with --require a refresh failed; 6 a --refresh or --probe
failed.`

// Pools is the text of tier help pools.
const Pools = `A pool names an ordered list of targets, each provider/key/model, in providers.yaml:

  pools:
    free:
      - groq/*/llama-3.1-8b-instant          # every stored key of groq, the default first
      - cerebras/default/llama3.1-8b
      - openrouter/default/openai/gpt-oss-120b:free

tier chat -p free (or --pool free) sends to the first target with headroom in every window tier
knows of: a target whose window is used up is skipped until its reset, one that got a 429 is
skipped until its hint has passed, and a call that fails because the quota is used up (402, a
429 naming a used-up window, or still rate limited after the retries) falls through to the next
target. Nothing that reached a reply is sent again. The line on stderr and the "pool" member of
--json (answered, skipped: [{target, reason, until}]) say which target answered and why the
others were skipped.

tier batch -p free spreads the rows over the pool's targets by their headroom: each row goes to
the target that can take it soonest, so a pool reaches close to the sum of its targets' limits.

Some providers count their limits per account or project, not per key (quota_scope: account in
the catalog: Gemini per Google Cloud project, OpenRouter's free models per account). Two keys of
such a provider are one quota: a window used up for one is used up for both, and tier batch
paces them together.`
