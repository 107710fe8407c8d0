package chat

import (
	"encoding/json"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

func TestRequest(t *testing.T) {
	temp := float32(0.5)
	req := Request(Params{Model: "m", System: "be brief", Prompt: "hi", MaxTokens: 10, Temperature: &temp})
	if req.Model != "m" || req.MaxTokens != 10 || len(req.Messages) != 2 ||
		req.Messages[0].Role != openai.ChatMessageRoleSystem || req.Messages[1].Content != "hi" {
		t.Fatalf("request: %+v", req)
	}
	temp = 1 // the request keeps its own copy
	if req.Temperature == nil || *req.Temperature != 0.5 {
		t.Errorf("temperature: %v", req.Temperature)
	}
	if req := Request(Params{Model: "m", Prompt: "hi"}); len(req.Messages) != 1 || req.Temperature != nil {
		t.Errorf("no system prompt, no temperature: %+v", req)
	}
}

func TestErrorJSON(t *testing.T) {
	b, _ := json.Marshal(JSON{Provider: "p", Error: &Error{Kind: "usage", Message: "m", ExitCode: 2}})
	want := `{"provider":"p","model":"","key":"","content":"","latency_ms":0,"error":{"kind":"usage","message":"m","exit_code":2}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
