package chat

import (
	"errors"
	"fmt"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
)

// Limits are the flags of tier chat that bound the call, checked before
// the prompt is read or anything is sent.
type Limits struct {
	Retries   int
	MaxWait   time.Duration
	MaxTokens int
	// Temperature is nil for the provider's default.
	Temperature *float32
}

// Check says which of l is out of range, and what to give instead.
func (l Limits) Check() error {
	if l.Retries < 0 || l.MaxWait < 0 {
		return errors.New("--retries and --max-wait must not be negative")
	}
	if l.MaxTokens < 0 {
		return errors.New("--max-tokens must be a positive number of tokens (leave it out for the provider's default)")
	}
	if t := l.Temperature; t != nil && !(*t >= 0 && *t <= 2) { // NaN fails too
		return fmt.Errorf("--temperature must be between 0 and 2 (got %v): leave it out for the provider's default", *t)
	}
	return nil
}

// Model is the model a chat with p asks for: model, else p's default; an
// error when p has none.
func Model(p *catalog.Profile, model string) (string, error) {
	if model == "" {
		model = p.DefaultModel
	}
	if model == "" {
		return "", fmt.Errorf("%s has no default model: pass -m MODEL (see 'tier models %s')", p.Name, p.Name)
	}
	return model, nil
}
