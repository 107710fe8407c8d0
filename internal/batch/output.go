package batch

import (
	"fmt"
	"strings"

	"github.com/tier-cli/tier/internal/api"
)

// OutputRow is one line of the output: the OpenAI Batch API's output
// file's shape, so that the same file works there too.
type OutputRow struct {
	ID       string    `json:"id"`
	CustomID string    `json:"custom_id"`
	Response *Response `json:"response"`
	Error    *RowError `json:"error"`
}

// Response is the provider's answer to a row.
type Response struct {
	StatusCode int    `json:"status_code"`
	RequestID  string `json:"request_id"`
	Body       any    `json:"body"`
}

// RowError is why a row has no answer.
type RowError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Completion is the body of a successful row: a chat.completion object.
type Completion struct {
	ID      string     `json:"id"`
	Object  string     `json:"object"`
	Created int64      `json:"created"`
	Model   string     `json:"model"`
	Choices []Choice   `json:"choices"`
	Usage   *api.Usage `json:"usage,omitempty"`
}

// Choice is one choice of a Completion.
type Choice struct {
	Index        int     `json:"index"`
	Message      Message `json:"message"`
	FinishReason string  `json:"finish_reason"`
}

// Message is a choice's message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// errorBody is the body of a failed response.
type errorBody struct {
	Error RowError `json:"error"`
}

func rowID(n int) string { return fmt.Sprintf("batch_req_%06d", n) }

// success is the output row of an answered row.
func success(n int, row Row, reply *api.Reply, created int64) OutputRow {
	model := reply.Model
	if model == "" {
		model = row.Body.Model
	}
	return OutputRow{ID: rowID(n), CustomID: row.CustomID, Response: &Response{
		StatusCode: 200, RequestID: fmt.Sprintf("req_tier_%06d", n),
		Body: Completion{ID: fmt.Sprintf("chatcmpl-tier-%06d", n), Object: "chat.completion", Created: created, Model: model,
			Choices: []Choice{{Message: Message{Role: "assistant", Content: reply.Content}, FinishReason: orStop(reply.FinishReason)}},
			Usage:   reply.Usage},
	}}
}

// failure is the output row of a row that got no answer: the response
// when one arrived, and the error.
func failure(n int, row Row, status int, code, msg string) OutputRow {
	o := OutputRow{ID: rowID(n), CustomID: row.CustomID, Error: &RowError{Code: code, Message: oneLine(msg)}}
	if status != 0 {
		o.Response = &Response{StatusCode: status, RequestID: fmt.Sprintf("req_tier_%06d", n), Body: errorBody{Error: *o.Error}}
	}
	return o
}

func orStop(s string) string {
	if s == "" {
		return "stop"
	}
	return s
}

func oneLine(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ")
}
