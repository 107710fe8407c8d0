// Package chat owns what one `tier chat` sends and prints beyond the
// engine's call: the request built from the prompt and the flags, and the
// object --json prints (the reply, its usage and quota, alerts, the pool,
// the error), and the lines after the reply on stderr. It knows nothing
// of cobra.
package chat

import (
	"fmt"
	"io"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tier-cli/tier/internal/api"
	"github.com/tier-cli/tier/internal/budget"
	"github.com/tier-cli/tier/internal/engine"
	"github.com/tier-cli/tier/internal/pool"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/ui"
)

// Params are what the command line gives a chat request.
type Params struct {
	Model, System, Prompt string
	MaxTokens             int
	// Temperature is nil for the provider's default.
	Temperature *float32
}

// Request is the chat request of p: the system prompt, if any, then the
// user's prompt.
func Request(p Params) api.ChatRequest {
	req := api.ChatRequest{Model: p.Model, MaxTokens: p.MaxTokens}
	if p.System != "" {
		req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: p.System})
	}
	req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: p.Prompt})
	if p.Temperature != nil {
		t := *p.Temperature
		req.Temperature = &t
	}
	return req
}

// JSON is the --json output; Quota is the snapshot contract.
type JSON struct {
	Provider     string          `json:"provider"`
	Model        string          `json:"model"`
	Key          string          `json:"key"`
	Content      string          `json:"content"`
	FinishReason string          `json:"finish_reason,omitempty"`
	Usage        *api.Usage      `json:"usage,omitempty"`
	LatencyMS    int64           `json:"latency_ms"`
	Quota        *quota.Snapshot `json:"quota,omitempty"`
	Alerts       []budget.Alert  `json:"alerts,omitempty"`
	Error        *Error          `json:"error,omitempty"`
	Pool         *pool.JSON      `json:"pool,omitempty"`
}

// Error is the "error" member of --json output (of every command's, when
// it fails).
type Error struct {
	Kind       string `json:"kind"`
	Message    string `json:"message"`
	HTTPStatus int    `json:"http_status,omitempty"`
	ExitCode   int    `json:"exit_code"`
}

// Result is the --json object of a call that got a result: res's reply
// and alerts, with what is left as its quota (res.Left, completed by the
// overview; else the snapshot the reply brought).
func Result(provider, key string, res engine.Result) JSON {
	snap := res.Snapshot
	if res.Left != nil {
		snap = res.Left
	}
	reply := res.Reply
	return JSON{Provider: provider, Model: reply.Model, Key: key, Content: reply.Content,
		FinishReason: reply.FinishReason, Usage: reply.Usage, LatencyMS: reply.Latency.Milliseconds(), Quota: snap, Alerts: res.Alerts}
}

// WriteNotes writes to w what a call that got a result leaves to say after
// the reply: the quota line (in th) and a warning of a window used up or
// credit that expires soon (not after a failed call), unless quiet (-q);
// then each alert, quiet or not: alerts are the user's own thresholds
// (alerts:, budgets' alert_at), each said once, and a job that silenced the
// quota line still wants to hear that a budget is at 95 %.
func WriteNotes(w io.Writer, res engine.Result, failed, quiet bool, now time.Time, th ui.Theme) {
	if full := res.Left; full != nil && !quiet {
		fmt.Fprintln(w, ui.QuotaLineBudgets(*full, res.Budgets, now, th))
		if warn := ui.ExpiryWarning(*full, now); warn != "" && !failed {
			fmt.Fprintf(w, "tier: warning: %s\n", warn)
		}
	}
	for _, al := range res.Alerts {
		fmt.Fprintf(w, "tier: %s\n", al.Text())
	}
}
