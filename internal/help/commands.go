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
An error object sent with a 2xx in place of the reply (OpenRouter), streamed or not, is reported
as that status would be (429, 402, else a server error) and, like anything after a 2xx, not sent again.
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
exits 5. --max-cost caps the run: once what the rows answered cost plus the worst case of those
in flight and of the next (its prompt + max_tokens at the catalog's price) would pass it, no more
rows are sent, the rows in flight are written, and tier exits 7 saying how many were not sent.

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
429 naming a used-up window, or a rate limit, not waited out while another target is left) falls
through to the next target; the last target is retried as a lone chat is. Nothing that reached a
reply is sent again. The line on stderr and the "pool" member of
--json (answered, skipped: [{target, reason, until}]) say which target answered and why the
others were skipped. Each target names its own key and model: -m and --key, which are one
provider's, are refused with a pool (exit 2).

tier batch -p free spreads the rows over the pool's targets by their headroom: each row goes to
the target that can take it soonest, so a pool reaches close to the sum of its targets' limits.

Some providers count their limits per account or project, not per key (quota_scope: account in
the catalog: Gemini per Google Cloud project, OpenRouter's free models per account). Two keys of
such a provider are one quota: a window used up for one is used up for both, and tier batch
paces them together. A limit that counts several models together (across_models: true, as
OpenRouter's :free models share 20 RPM and one daily count) is estimated from tier's calls to
all of them: once tier's calls have used the day's free requests, every free model of a pool is
skipped until the reset.`

// Keys is the long help of tier keys.
const Keys = `Manage the API keys tier sends to providers.

Where a key comes from, first match wins:

1. the profile's environment variable (e.g. GROQ_API_KEY), for the default key only;
2. the OS keyring: service "tier:PROVIDER", user = the key name ("default" unless --name);
3. the plaintext file written by 'tier keys set --insecure-storage' (only when asked for);
4. the profile's key_cmd (e.g. "pass show groq"), for the default key only. It runs with stdin
   at /dev/null in a process group of its own, killed with everything it started after 10s;
   its stderr is not shown unless it fails (then a few lines, with anything like a key redacted).

'tier keys list' and 'tier keys doctor' say which source wins for each provider; chat, quota and
models take --key NAME to use a named key.

Keys are read from stdin when it is not a terminal ('pass show groq | tier keys set groq'),
otherwise from a hidden prompt; never from the command line. Only a fingerprint (the last 4
characters, as …a1b2) is ever shown or recorded; what tier records about a key (dates, the host
it was verified for, its rotation period, a credit grant) lives in the state directory.

A stored key is pinned to the API host that accepted it (a key stored unverified, to the host it
was stored for), and the pin is kept with the key in its keyring item, so losing the state
directory does not unpin it. If the profile's base URL later points at another host, tier refuses
to send the key there until 'tier keys test PROVIDER' verifies it for the new host; a key with no
host on record (put in the keyring by another program, or by an older tier whose record is lost)
is sent nowhere until 'tier keys test' verifies it. Run 'tier keys test' only for a host you trust. A key older than its rotation period (default 90 days) gets a one-line reminder
on stderr, at most once a day.

Every keyring call has a timeout. On Linux and the BSDs the keyring is the Secret Service over the
D-Bus session bus; with no session bus tier does not try it and says so. TIER_NO_KEYRING=1 turns
the keyring off. tier never falls back to plaintext on its own.`

// KeysSet is the long help of tier keys set.
const KeysSet = `Store a provider's key in the OS keyring. The key is read from stdin when stdin is not a
terminal, otherwise from a hidden prompt; there is no flag that takes a key.

At the hidden prompt, Enter ends the key; Ctrl-C, Ctrl-D on an empty line and Esc cancel it
(exit 130), and nothing is stored.

First the key is verified: GET {base_url}/models with the key, which spends no quota. A key the
provider refuses (401 or 403) is not stored (exit 3); with no usable keyring nothing is asked
or stored (exit 2: store the key another way, see 'tier keys doctor'). When the provider cannot be reached or
cannot tell (no /models, 429), the key is stored unverified with a warning. --no-verify skips
the check. A verified key is pinned to the host that accepted it, an unverified one to the host
it was stored for. A key this replaces is kept as the previous key, as 'tier keys rotate' does,
so that 'tier keys rotate PROVIDER --rollback' restores it.

--credit records a credit grant that came with the key, for tier quota's credit and expiry
countdowns: an amount and a unit (5USD, "$5", 1000000tokens; a bare number takes the unit of the
provider's published grant, else USD). --granted is when it was granted (default: today). Its
expiry is recorded only when you say it: --expires DATE, or --valid-days N from --granted; tier
does not guess one. DATEs are YYYY-MM-DD (midnight, local time) or RFC 3339.

--rotate-after sets how old the key may get before tier reminds you to rotate it (default 90d;
e.g. 30d, 12w, never).

--insecure-storage writes the key to a plaintext file readable only by you (keys.insecure.json in
the config directory), for machines without a usable keyring; 'tier keys list' marks such keys.`

// Models is the long help of tier models.
const Models = `List the models a provider serves (its live GET /models list), each merged with what the
catalog knows: published limits per tier, context length, price per million tokens, production or
preview, free access (OpenRouter's :free models, models the catalog marks free: "yes"; models
with published free-tier limits: "free tier"), and the last quota seen for it.
A model the catalog knows but the provider no longer lists is marked "not listed"; a listed model
the catalog does not know is shown with its id alone. A '?' marks a catalog figure that is dated,
unverified or inferred (--json gives each figure's source).

With no PROVIDER, the default provider is used ($TIER_PROVIDER, else the catalog's default).
--all lists every provider that has a key (and those that need none), fetched at once, each
within --timeout; a provider that fails is reported on its own line and the others are still shown.

Lists are cached in the state directory: one fetched less than --max-age ago is shown without the
network (stderr says how old it is); --refresh fetches anyway. When a fetch fails, a cached list of
any age is shown with the error. Rate-limit headers on the response are saved as the provider's
quota (model ""), as for any other response.

Exit status: 0 when every provider's list was shown fresh or from a fresh cache. Otherwise the
code of the most severe failure, in this order: 2 configuration (unknown provider, a base_url
variable unset), 3 no key or key refused, 5 quota or credit exhausted, 4 rate limited,
6 unreachable, timed out or server error.`

// Status is the long help of tier status.
const Status = `Print one short line of what is left, for a tmux status bar, a shell prompt or an editor's
status line, e.g.

  deepseek $4.20 exp 12d · groq 880/1000rpd

It reads local state only, as a plain 'tier quota' does: never a provider, and fast enough to
run at every prompt; with TIER_SHARED, the fleet's snapshots too (as 'tier quota' learns them;
Redis out of reach: local state only, silently, or exit 6 with --strict in required mode). Each provider used (or each one named) shows its request windows, any other
window with less than a fifth left, and its credit with the time to its expiry; for each window
the tightest of the provider's keys and models. '~' marks an estimate; a window not reported is
left out, never shown as 0. Colour only on a terminal (never with NO_COLOR), so a prompt or
tmux gets plain text.

It never prints an error that would break a prompt: when nothing is known, or the state or the
configuration is damaged, it prints an empty line and exits 0. --strict makes those errors:
a damaged state file or configuration exits 2, nothing known exits 5. A bad --format or flag is
always a usage error (exit 2).

--format takes a Go text/template (pkg.go.dev/text/template) whose dot is the line:
  .Text                 the default line, without colour
  .Providers            one per provider, each with:
    .Name .Text         its name, its part of the default line
    .Windows            every window with a figure left; .Shown: those the default line shows
      .Label            rpm, rpd, tpm, tpd, itpm, neurons/day ...
      .Metric .Period   requests, tokens ...; minute, day ...
      .Key .Model       the key and model of the tightest figure
      .Remaining        what is left (a number)
      .Limit            the limit (a pointer: test it with 'if'), .PercentLeft (-1 without a limit)
      .ResetAt .ResetIn the reset as a time and as "41s", "" when unknown
      .Estimate .Refilled .Text ("9/30rpm", "~38/50rpd")
    .Credit             nil when unknown (test it with 'with'), else:
      .Amount .Remaining .Unit .Key .Estimate
      .ExpiresAt .ExpiresIn ("12d", "expired", "" when it does not expire) .Text ("$4.20 exp 12d")
and the function join (join LIST SEP). Templates print plain text.

--json prints the same data as an object: text, and providers with windows and credit.

--install tmux|starship|bash|zsh|vim prints the snippet to add to that tool's configuration (it
changes nothing); the README's "See it everywhere" has them all.`

// Usage is the long help of tier usage.
const Usage = `Show what every call tier made (chat, probes, batch rows) used: requests, input and output
tokens and cost per day (--weekly, --monthly), with a bar chart on a terminal and the totals.
Days start at midnight in the local time zone (TZ), weeks on Mondays.

The cost is what the provider reported for the call when it does (OpenRouter), else the
catalog's price of the model, marked ~ (an estimate); a call whose price is not known counts
as unknown, never as 0. --by groups each period by provider, key (provider/key), model or tag
(--tag or TIER_TAG at the call).

The log is a SQLite database, usage.db in the state directory (see 'tier help usage-log'):
sqlite3 or datasette open it.`

// Root is the long help of tier itself.
const Root = `tier is a client for the many OpenAI-compatible LLM APIs with free or metered tiers.
After every reply it shows what is left: requests and tokens per minute and day with their
reset countdowns, and credit with its expiry. tier quota shows the same for every provider
without spending a request; tier keys keeps API keys in the OS keyring. tier status prints
it as one short line for a status bar or a prompt, tier quota --format prometheus for
dashboards, and every command with --json takes --jq EXPR to pick from it. tier usage shows
what tier's calls used and cost; tier budget caps it, checked before each call.`
