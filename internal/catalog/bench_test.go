package catalog

import (
	"os"
	"path/filepath"
	"testing"
)

// benchUserFile overrides one field of a built-in provider and adds a
// local server, the common shape of a user's providers.yaml.
const benchUserFile = `providers:
  groq:
    base_url: https://groq-proxy.example.com/openai/v1
  local:
    base_url: http://localhost:8080/v1
    default_model: llama3
`

// BenchmarkLoad is Load with no user file: what every tier command pays
// at start-up.
func BenchmarkLoad(b *testing.B) {
	getenv := env("TIER_CONFIG_DIR", b.TempDir())
	for b.Loop() {
		if _, err := Load(getenv); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadWithUserFile is Load with benchUserFile in the config
// directory.
func BenchmarkLoadWithUserFile(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(benchUserFile), 0o600); err != nil {
		b.Fatal(err)
	}
	getenv := env("TIER_CONFIG_DIR", dir)
	c, err := Load(getenv)
	if err != nil {
		b.Fatal(err)
	}
	if c.Providers["groq"].BaseURL != "https://groq-proxy.example.com/openai/v1" || c.Providers["local"] == nil {
		b.Fatal("the user file was not applied")
	}
	for b.Loop() {
		if _, err := Load(getenv); err != nil {
			b.Fatal(err)
		}
	}
}
