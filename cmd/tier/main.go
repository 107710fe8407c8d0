// Command tier is a command-line client for OpenAI-compatible LLM APIs that
// shows what is left of every rate limit and credit.
package main

import (
	"os"

	"github.com/tier-cli/tier/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
