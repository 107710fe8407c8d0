package api

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// reference decodes a chunk with encoding/json: the parser must agree.
func reference(data []byte) (content, reasoning, finish, model string, usage *Usage, hasErr bool, ok bool) {
	var v struct {
		Model   string `json:"model"`
		Choices []struct {
			Delta struct {
				Content          *string `json:"content"`
				ReasoningContent *string `json:"reasoning_content"`
			} `json:"delta"`
			FinishReason *string `json:"finish_reason"`
		} `json:"choices"`
		Usage *Usage          `json:"usage"`
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return "", "", "", "", nil, false, false
	}
	if len(v.Choices) > 0 {
		if c := v.Choices[0].Delta.Content; c != nil {
			content = *c
		}
		if r := v.Choices[0].Delta.ReasoningContent; r != nil {
			reasoning = *r
		}
		if f := v.Choices[0].FinishReason; f != nil {
			finish = *f
		}
	}
	return content, reasoning, finish, v.Model, v.Usage, len(v.Error) > 0 && string(v.Error) != "null", true
}

var chunkSamples = []struct{ name, json string }{
	{"openai content", `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}`},
	{"role only first chunk", `{"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`},
	{"finish chunk", `{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`},
	{"usage chunk, empty choices", `{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}}`},
	{"usage null", `{"choices":[{"delta":{"content":"x"}}],"usage":null}`},
	{"escapes and unicode", `{"choices":[{"delta":{"content":"line\n\"quoted\" \u00e9t\u00e9 \ud83d\ude00 tab\t back\\slash \/"}}]}`},
	{"raw utf-8", `{"choices":[{"delta":{"content":"日本語 ↻ …"}}]}`},
	{"deepseek reasoning", `{"choices":[{"delta":{"content":null,"reasoning_content":"think"},"finish_reason":null}]}`},
	{"member order reversed", `{"choices":[{"finish_reason":"length","delta":{"content":"z"},"index":0}],"model":"m2"}`},
	{"nested unknown values", `{"x":{"a":[1,2,{"b":"}"}],"c":true,"d":null,"e":-1.5e3},"choices":[{"delta":{"tool_calls":[{"id":"t","function":{"arguments":"{\"a\":1}"}}],"content":"k"}}]}`},
	{"second choice ignored", `{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}`},
	{"error chunk", `{"error":{"message":"Rate limit exceeded","code":429}}`},
	{"whitespace everywhere", " { \"choices\" : [ { \"delta\" : { \"content\" : \"w\" } } ] } "},
}

func TestChunkParserAgreesWithEncodingJSON(t *testing.T) {
	var p chunkParser
	for _, s := range chunkSamples {
		t.Run(s.name, func(t *testing.T) {
			content, reasoning, finish, model, usage, hasErr, ok := reference([]byte(s.json))
			if !ok {
				t.Fatalf("sample is not valid JSON")
			}
			var c chunk
			if err := p.parse([]byte(s.json), &c); err != nil {
				t.Fatalf("parse: %v", err)
			}
			if string(c.Content) != content || string(c.Reasoning) != reasoning || c.FinishReason != finish || c.Model != model {
				t.Errorf("got content=%q reasoning=%q finish=%q model=%q; want %q %q %q %q",
					c.Content, c.Reasoning, c.FinishReason, c.Model, content, reasoning, finish, model)
			}
			if (usage != nil) != c.HasUsage || (usage != nil && *usage != c.Usage) {
				t.Errorf("usage: got %v %+v, want %+v", c.HasUsage, c.Usage, usage)
			}
			if hasErr != (c.ErrorJSON != nil) {
				t.Errorf("error member: got %q, want present=%v", c.ErrorJSON, hasErr)
			}
		})
	}
}

func TestChunkParserRejectsMalformed(t *testing.T) {
	var p chunkParser
	for _, bad := range []string{``, `{`, `{"choices":[{"delta":{"content":"unterminated}}]}`, `{"choices":[}`, `[1,2]`, `{"a" 1}`, `{"a":tru}`, "{\"choices\":[{\"delta\":{\"content\":\"ctl\x01\"}}]}"} {
		var c chunk
		if err := p.parse([]byte(bad), &c); err == nil {
			t.Errorf("parse(%q) = nil error, want a syntax error", bad)
		}
	}
}

func FuzzChunkParser(f *testing.F) {
	for _, s := range chunkSamples {
		f.Add([]byte(s.json))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p chunkParser
		var c chunk
		err := p.parse(data, &c)
		content, _, finish, _, _, _, ok := reference(data)
		if !ok || err != nil {
			return // both may reject; the parser must only never panic
		}
		if !json.Valid(data) || !utf8.Valid(data) {
			return // invalid UTF-8 is passed through as sent; encoding/json rewrites it
		}
		if string(c.Content) != content || c.FinishReason != finish {
			t.Fatalf("disagree on %q: got %q/%q want %q/%q", data, c.Content, c.FinishReason, content, finish)
		}
	})
}

func BenchmarkChunkParse(b *testing.B) {
	data := []byte(chunkSamples[0].json)
	var p chunkParser
	var c chunk
	b.ReportAllocs()
	for b.Loop() {
		if err := p.parse(data, &c); err != nil {
			b.Fatal(err)
		}
	}
}
