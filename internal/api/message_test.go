package api

import (
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/quota"
)

// A refused key's message points at where the key came from: fixing the
// keyring does not help while an environment variable wins over it.
func TestRefusedKeyMessageNamesItsSource(t *testing.T) {
	tests := []struct{ source, want string }{
		{"env:GROQ_API_KEY", "groq refused the key from GROQ_API_KEY (Invalid API Key): fix that variable, or unset it"},
		{"cmd", "groq refused the key printed by its key_cmd (Invalid API Key)"},
		{"keyring", "groq refused the key (Invalid API Key): check it with 'tier keys test groq' or set a new one with 'tier keys set groq'"},
		{"", "check it with 'tier keys test groq'"},
	}
	for _, tc := range tests {
		c := New(Config{Provider: "groq", KeySource: tc.source})
		got := c.message(&quota.Result{Class: quota.ClassAuth, Message: "Invalid API Key"})
		if !strings.Contains(got, tc.want) {
			t.Errorf("source %q: %q does not contain %q", tc.source, got, tc.want)
		}
	}
}
