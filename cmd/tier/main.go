// Command tier is a command-line client for OpenAI-compatible LLM APIs that
// shows what is left of every rate limit and credit.
package main

import (
	"os"
	_ "time/tzdata" // day windows end at a provider's documented midnight, on every OS

	"github.com/tier-cli/tier/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
