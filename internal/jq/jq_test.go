package jq

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	v := []map[string]any{{"provider": "groq", "remaining": int64(9007199254740993), "tags": []string{"a", "<b>"}}, {"provider": "demo", "remaining": 1.5}}
	for _, c := range []struct {
		expr   string
		indent bool
		want   string
	}{
		{".[].provider", false, "groq\ndemo\n"},         // strings raw
		{".[0].remaining", false, "9007199254740993\n"}, // integers exact
		{".[1].remaining", false, "1.5\n"},
		{".[0].tags", false, `["a","<b>"]` + "\n"},
		{".[0].tags", true, "[\n  \"a\",\n  \"<b>\"\n]\n"},
		{"empty", false, ""},
		{".[] | select(.provider == \"demo\") | {p: .provider}", false, `{"p":"demo"}` + "\n"},
	} {
		f, err := Compile(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		var b bytes.Buffer
		if err := f.Write(&b, v, c.indent); err != nil || b.String() != c.want {
			t.Errorf("%s: %q, %v; want %q", c.expr, b.String(), err, c.want)
		}
	}
}

// A bad expression says where it is wrong and what --jq takes, in one line.
func TestCompileErrorsSayWhere(t *testing.T) {
	for _, c := range []struct{ expr, want string }{
		{".[", `unexpected EOF at column 3 of ".[" (--jq takes a jq expression, e.g. --jq . for all of it)`},
		{".[0].x)", `unexpected token ")" at column 7 of ".[0].x)"`},
		{".a | ééé", `unexpected token "é" at column 6 of ".a | ééé"`},
		{"nosuch(1)", `function not defined: nosuch/1 in "nosuch(1)" (--jq takes a jq expression`},
	} {
		_, err := Compile(c.expr)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want %q", c.expr, err, c.want)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, expr := range []string{"", " ", ".[", "nosuchfunc(1)"} {
		if _, err := Compile(expr); err == nil {
			t.Errorf("%q compiled", expr)
		}
	}
	f, _ := Compile(`.[0], .x`)
	var b bytes.Buffer
	err := f.Write(&b, []int{1}, false)
	var ee *EvalError
	if !errors.As(err, &ee) || b.String() != "1\n" {
		t.Errorf("%q, %v", b.String(), err)
	}
}
