// Package keys owns API keys: where a provider's key comes from (EnvKey,
// the one rule of which environment variable wins; the OS keyring; the
// opt-in plaintext file; the profile's key_cmd), the one lookup of a run
// (Session.Lookup: secret, source and fingerprint, each key resolved once),
// the keyring access itself (every call bounded by a timeout, never touching
// go-keyring without a D-Bus session bus), the non-secret key metadata kept
// in the state store (fingerprint, dates, verified host, rotation schedule,
// credit grant and its grammar: ParseCredit, ParseDate, NewGrant),
// verification against a provider's /models endpoint, host pinning, the
// operations behind `tier keys` (set, rotate, rollback, remove, list,
// doctor, reading a secret from stdin or a hidden prompt) and the JSON row
// those commands print for a key (JSONRow).
//
// A secret is never printed, logged, put in an error or written to the state
// store: only its fingerprint (the last 4 characters, shown as "…a1b2").
package keys
