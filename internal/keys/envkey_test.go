package keys

import (
	"testing"

	"github.com/tier-cli/tier/internal/catalog"
)

// The first of key_env set to more than blanks supplies the default key,
// trimmed; a named key never comes from the environment.
func TestEnvKey(t *testing.T) {
	p := &catalog.Profile{Name: "x", KeyEnv: catalog.StringList{"A_KEY", "B_KEY"}}
	env := map[string]string{"A_KEY": "  ", "B_KEY": " key-b \n"}
	getenv := func(k string) string { return env[k] }
	for _, name := range []string{"", DefaultName} {
		if v, s := EnvKey(p, name, getenv); v != "B_KEY" || s != "key-b" {
			t.Errorf("EnvKey(%q) = %q, %s; want B_KEY, %s", name, v, Fingerprint(s), Fingerprint("key-b"))
		}
	}
	if v, s := EnvKey(p, "work", getenv); v != "" || s != "" {
		t.Errorf("EnvKey(work) = %q, %s; want nothing", v, Fingerprint(s))
	}
	env["A_KEY"] = "key-a"
	if v, _ := EnvKey(p, "", getenv); v != "A_KEY" {
		t.Errorf("EnvKey with both set = %q, want A_KEY (the first)", v)
	}
}
