// Package keys owns API keys: where a provider's key comes from (environment
// variable, OS keyring, the opt-in plaintext file, the profile's key_cmd), the
// keyring access itself (every call bounded by a timeout, never touching
// go-keyring without a D-Bus session bus), the non-secret key metadata kept
// in the state store (fingerprint, dates, verified host, rotation schedule,
// credit grant), verification against a provider's /models endpoint, host
// pinning, and the operations behind `tier keys` (set, rotate, rollback,
// remove, list, doctor, reading a secret from stdin or a hidden prompt).
//
// A secret is never printed, logged, put in an error or written to the state
// store: only its fingerprint (the last 4 characters, shown as "…a1b2").
package keys
