package batch

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutputResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	rows := rowsOf(3)
	o, res, err := OpenOutput(path, "sha256:in")
	if err != nil || res.Resumed {
		t.Fatalf("open: %v, %+v", err, res)
	}
	for _, r := range rows {
		o.Sent(r)
	}
	o.Write(failure(1, rows[0], 400, "invalid_request", "bad"))
	o.Close()
	// A crash in the middle of the second row's line.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"id":"batch_req_000002","custom_id":"r2","respo`)
	f.Close()

	o, res, err = OpenOutput(path, "sha256:in")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || res.Finished != 1 || strings.Join(res.InFlight, ",") != "r2,r3" {
		t.Fatalf("resume = %+v, want 1 finished and r2, r3 in flight", res)
	}
	if !o.Done("r1") || o.Done("r2") {
		t.Errorf("done r1 %v r2 %v", o.Done("r1"), o.Done("r2"))
	}
	o.Write(failure(2, rows[1], 400, "invalid_request", "bad"))
	o.Close()
	data, _ := os.ReadFile(path)
	if n := strings.Count(string(data), "\n"); n != 2 || strings.Contains(string(data), "respo\n") || strings.Contains(string(data), `"respo{`) {
		t.Errorf("output:\n%s\nwant two whole lines, the torn one cut", data)
	}

	if _, _, err := OpenOutput(path, "sha256:other"); err == nil || !strings.Contains(err.Error(), "another input") {
		t.Errorf("another input: %v, want refused", err)
	}
	os.Remove(path + JournalSuffix)
	if _, _, err := OpenOutput(path, "sha256:in"); !errors.Is(err, ErrOutputExists) {
		t.Errorf("an output without a journal: %v, want ErrOutputExists", err)
	}
}

func TestReadRows(t *testing.T) {
	in := `{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":5}}

{"custom_id":"b","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"yo"}]}}
`
	rows, err := ReadRows(strings.NewReader(in), false)
	if err != nil || len(rows) != 2 || rows[0].Body.MaxTokens != 5 || rows[1].Line != 3 || rows[0].Body.Model != "m1" {
		t.Fatalf("rows %+v, %v", rows, err)
	}
	for _, bad := range []string{
		`{"custom_id":"a","method":"POST","url":"/v1/embeddings","body":{"messages":[{"role":"user","content":"hi"}]}}`,
		`{"custom_id":"","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"hi"}]}}`,
		`{"custom_id":"a","url":"/v1/chat/completions","body":{"messages":[]}}`,
		"not json",
		`{"custom_id":"a","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"x"}]}}` + "\n" + `{"custom_id":"a","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"x"}]}}`,
	} {
		if _, err := ReadRows(strings.NewReader(bad), false); err == nil || !strings.HasPrefix(err.Error(), "line ") {
			t.Errorf("%s: %v, want an error with its line", bad, err)
		}
	}
	rows, err = ReadRows(strings.NewReader("one\n\ntwo\n"), true)
	if err != nil || len(rows) != 2 || rows[1].CustomID != "line-3" || rows[1].Body.Messages[0].Content != "two" {
		t.Fatalf("prompts: %+v, %v", rows, err)
	}
}
