package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// partialContent returns what arrived of choices[0].message.content in a
// non-streamed reply that may be cut anywhere: the whole string when it
// arrived whole, else its decoded beginning (an escape or a character cut
// in two is left out); "" when the content had not begun.
func partialContent(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		obj     bool
		key     string // the member being read (objects)
		idx     int    // the element being read (arrays)
		wantKey bool
	}
	var st []frame
	// atContent says whether the next value is choices[0].message.content.
	atContent := func() bool {
		return len(st) == 4 && st[0].obj && st[0].key == "choices" && !st[1].obj && st[1].idx == 0 &&
			st[2].obj && st[2].key == "message" && st[3].obj && st[3].key == "content" && !st[3].wantKey
	}
	// valueDone moves the enclosing container past the value just read.
	valueDone := func() {
		if n := len(st); n > 0 {
			if st[n-1].obj {
				st[n-1].wantKey = true
			} else {
				st[n-1].idx++
			}
		}
	}
	for {
		off := dec.InputOffset()
		target := atContent()
		tok, err := dec.Token()
		if err != nil {
			if target {
				return cutString(body[off:])
			}
			return ""
		}
		if target {
			s, _ := tok.(string)
			return s
		}
		if n := len(st); n > 0 && st[n-1].obj && st[n-1].wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				st = st[:n-1]
				valueDone()
				continue
			}
			st[n-1].key, _ = tok.(string)
			st[n-1].wantKey = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			st = append(st, frame{obj: true, wantKey: true})
		case json.Delim('['):
			st = append(st, frame{})
		case json.Delim(']'), json.Delim('}'):
			if len(st) > 0 {
				st = st[:len(st)-1]
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// cutString decodes the beginning of a JSON string literal that the input
// cut short: rest starts where its value begins (before the colon).
func cutString(rest []byte) string {
	rest = bytes.TrimLeft(rest, " \t\r\n:")
	if len(rest) == 0 || rest[0] != '"' {
		return ""
	}
	lit := string(rest)
	for lit != `"` && lit != "" {
		var s string
		if json.Unmarshal([]byte(lit+`"`), &s) == nil {
			return strings.TrimRight(s, string(utf8.RuneError))
		}
		i := strings.LastIndexByte(lit, '\\')
		if i <= 0 {
			break
		}
		lit = lit[:i] // an escape cut short
	}
	return ""
}
