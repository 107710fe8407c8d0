package help

// More long help of commands whose text is reference (see commands.go).

// KeysRotate is the long help of tier keys rotate.
const KeysRotate = `Replace a stored key with a new one: create the new key at the provider first, then run this and
paste it (or pipe it in, as for 'tier keys set'). The new key is verified first; if the provider
refuses it or cannot be reached, nothing changes. Then the current key is kept as the previous
one and the new key takes its place in one step, so there is a working key at every moment.

--rollback makes the previous key the active one again (and keeps the replacing key as the
previous one). A second --rollback in a row is refused: to use the replacing key again, paste it
into 'tier keys rotate'. Revoke the old key at the provider once the new one works.`

// KeysRm is the long help of tier keys rm.
const KeysRm = `Remove a stored key, with the previous key a rotation kept, from the keyring and the plaintext
file, and forget what tier recorded about it. --all removes every key of the provider. An
environment variable or key_cmd that supplies a key is not touched (tier says so).`

// KeysList is the long help of tier keys list.
const KeysList = `List every provider with a key: stored ones (keyring, or the plaintext file, marked as such)
and those whose key comes from an environment variable or key_cmd. For each key: its name, the
source it comes from, its fingerprint (last 4 characters), when it was created, last rotated and
last verified, its age, whether a rotation is due, and which key a plain 'tier chat -p PROVIDER' uses
("default"), or what overrides it, or why tier would not send it. --all adds the catalog's
providers that have no key yet, with where to get one. It runs no key_cmd; it reads the keyring
for the host each key is pinned to, and for default keys tier has no record of.`

// KeysDoctor is the long help of tier keys doctor.
const KeysDoctor = `Check what keys depend on: which keyring backend is in use; on Linux and the BSDs, whether a D-Bus
session bus and a Secret Service are reachable and unlocked (a probe read, with a timeout);
whether TIER_NO_KEYRING turns the keyring off; stored keys the keyring has lost, keys pinned to a
host their profile no longer points at or to no host at all (also default keys in the keyring
that tier has no record of), keys due for rotation, expired credit grants, environment
variables that override stored keys, and keys kept in plaintext. It also says which source
supplies each provider's key. Each problem comes with what to do about it.

Exit status: 0 when no problem is an error, 3 otherwise.`

// KeysTest is the long help of tier keys test.
const KeysTest = `Check the key tier would use for a provider (from whichever source wins, see 'tier keys')
with GET {base_url}/models, which spends no quota. A stored key that passes is recorded as
verified for that host: this is also how a key is allowed to go to a host other than the one it
was first verified for, after a profile's base URL changed.

Exit status: 0 the key works; 3 no key, or the provider refused it (401, 403); 6 the provider
could not be reached (network, timeout, 5xx); 4 rate limited (429) and 5 out of credit (402), so
the key could not be checked; 2 any other answer (e.g. 404: check the profile's base_url).`

// Budget is the long help of tier budget.
const Budget = `Budgets cap what tier's own calls spend, checked before each call is sent: a hard budget
refuses (exit 7, nothing sent) a call whose worst case (the prompt plus --max-tokens, or 4096
tokens, at the catalog's price) would pass its limit; a soft one only alerts. Each alerts once
a period at each of its alert_at thresholds and at 100%, on stderr after the reply (--json:
"alerts"), and runs its alert_cmd with TIER_ALERT_* in the environment. See 'tier help budgets'.

'tier budget set' writes budgets.json in the config directory; budgets may also be listed
under budgets: in providers.yaml, which tier never writes.`
