// Package batch runs many chat requests at the providers' real limits: it
// reads the input (OpenAI's batch JSONL or one prompt a line), paces each
// target's quota from its freshest reading (or the catalog's limits when
// the provider reports nothing), spreads rows over several targets by
// their headroom, writes the results in the OpenAI Batch API's output
// shape, and keeps an append-only journal so that a run stopped at any
// point resumes with every row written exactly once. It knows nothing of
// cobra or terminals: calls go through a Caller (the engine), time
// through an injected clock, progress to a callback.
package batch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// ChatURL is the only endpoint a batch row may name.
const ChatURL = "/v1/chat/completions"

// Row is one request of the input.
type Row struct {
	// Line is the row's line in the input (from 1).
	Line     int
	CustomID string
	Body     Body
}

// Body is what tier reads of a row's request body.
type Body struct {
	Model               string                         `json:"model,omitempty"`
	Messages            []openai.ChatCompletionMessage `json:"messages"`
	MaxTokens           int                            `json:"max_tokens,omitempty"`
	MaxCompletionTokens int                            `json:"max_completion_tokens,omitempty"`
	Temperature         *float32                       `json:"temperature,omitempty"`
}

type inputRow struct {
	CustomID string          `json:"custom_id"`
	Method   string          `json:"method"`
	URL      string          `json:"url"`
	Body     json.RawMessage `json:"body"`
}

// InputError is a row of the input that cannot be run, with its line.
type InputError struct {
	Line int
	Msg  string
}

func (e *InputError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ReadRows reads the whole input: JSONL in OpenAI's batch format, or with
// prompts one prompt a line (custom_id "line-N"). Blank lines are skipped;
// custom_ids must be unique.
func ReadRows(r io.Reader, prompts bool) ([]Row, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var rows []Row
	seen := map[string]int{}
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		row := Row{Line: line}
		if prompts {
			row.CustomID = fmt.Sprintf("line-%d", line)
			row.Body.Messages = []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: string(text)}}
		} else {
			var in inputRow
			dec := json.NewDecoder(bytes.NewReader(text))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				return nil, &InputError{line, fmt.Sprintf("not a batch request (custom_id, method, url, body): %v", err)}
			}
			if in.CustomID == "" {
				return nil, &InputError{line, "custom_id is missing"}
			}
			if in.Method != "" && !strings.EqualFold(in.Method, "POST") {
				return nil, &InputError{line, fmt.Sprintf("method %q: only POST is supported", in.Method)}
			}
			if in.URL != ChatURL {
				return nil, &InputError{line, fmt.Sprintf("url %q: only %s is supported", in.URL, ChatURL)}
			}
			if err := json.Unmarshal(in.Body, &row.Body); err != nil {
				return nil, &InputError{line, fmt.Sprintf("body: %v", err)}
			}
			if len(row.Body.Messages) == 0 {
				return nil, &InputError{line, "body has no messages"}
			}
			row.CustomID = in.CustomID
		}
		if first, dup := seen[row.CustomID]; dup {
			return nil, &InputError{line, fmt.Sprintf("custom_id %q already used on line %d", row.CustomID, first)}
		}
		seen[row.CustomID] = line
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return rows, nil
}

// maxTokens is the reply limit the row asks for (0: the provider's).
func (b Body) maxTokens() int {
	if b.MaxTokens > 0 {
		return b.MaxTokens
	}
	return b.MaxCompletionTokens
}

// promptBytes is the size of the row's messages' content.
func (b Body) promptBytes() int {
	n := 0
	for _, m := range b.Messages {
		n += len(m.Content)
	}
	return n
}

// OneModel is the model every row goes to when a run names none: each
// row's body.model, def for a row naming none; "" when they differ (or
// come to none).
func OneModel(rows []Row, def string) string {
	one := ""
	for i, r := range rows {
		m := r.Body.Model
		if m == "" {
			m = def
		}
		if i > 0 && m != one {
			return ""
		}
		one = m
	}
	return one
}

// SomeUnnamed says whether a row names no model.
func SomeUnnamed(rows []Row) bool {
	for _, r := range rows {
		if r.Body.Model == "" {
			return true
		}
	}
	return false
}
