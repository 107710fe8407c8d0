package api

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// chunk is the part of a streamed chat.completion.chunk that tier uses.
type chunk struct {
	Model        string
	Content      []byte // choices[0].delta.content, unescaped; aliases scratch space
	Reasoning    []byte // choices[0].delta.reasoning_content (or .reasoning)
	FinishReason string
	HasUsage     bool
	Usage        Usage
	ErrorJSON    []byte // the raw "error" member, when the chunk is an error
}

var errSyntax = errors.New("malformed JSON in stream chunk")

// chunkParser decodes chunks without reflection: a full JSON scanner that
// extracts the few members tier needs and skips every other value. It exists
// because decoding each chunk with encoding/json into a large struct costs
// microseconds per token (see BenchmarkStream). buf is reused between chunks.
type chunkParser struct {
	buf  []byte
	key  []byte
	data []byte
	pos  int
}

func (p *chunkParser) parse(data []byte, c *chunk) error {
	*c = chunk{}
	p.data, p.pos, p.buf = data, 0, p.buf[:0]
	p.ws()
	return p.object(func(key []byte) error {
		switch string(key) {
		case "model":
			s, err := p.str()
			c.Model = string(s)
			return err
		case "choices":
			return p.array(func(i int) error {
				if i > 0 {
					return p.skip()
				}
				return p.object(func(k []byte) error {
					switch string(k) {
					case "delta", "message":
						return p.object(func(k2 []byte) error {
							switch string(k2) {
							case "content":
								s, err := p.strOrNull()
								c.Content = s
								return err
							case "reasoning_content", "reasoning":
								s, err := p.strOrNull()
								c.Reasoning = s
								return err
							}
							return p.skip()
						})
					case "finish_reason":
						s, err := p.strOrNull()
						c.FinishReason = string(s)
						return err
					}
					return p.skip()
				})
			})
		case "usage":
			if p.peekNull() {
				return p.skip()
			}
			c.HasUsage = true
			return p.object(func(k []byte) error {
				switch string(k) {
				case "prompt_tokens":
					return p.int(&c.Usage.PromptTokens)
				case "completion_tokens":
					return p.int(&c.Usage.CompletionTokens)
				case "total_tokens":
					return p.int(&c.Usage.TotalTokens)
				case "cost":
					return p.float(&c.Usage.Cost)
				}
				return p.skip()
			})
		case "error":
			start := p.pos
			if err := p.skip(); err != nil {
				return err
			}
			c.ErrorJSON = p.data[start:p.pos]
			return nil
		}
		return p.skip()
	})
}

func (p *chunkParser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *chunkParser) peekNull() bool {
	return p.pos+4 <= len(p.data) && string(p.data[p.pos:p.pos+4]) == "null"
}

func (p *chunkParser) expect(b byte) error {
	p.ws()
	if p.pos >= len(p.data) || p.data[p.pos] != b {
		return errSyntax
	}
	p.pos++
	p.ws()
	return nil
}

// object calls member for each key, with the position at the key's value.
func (p *chunkParser) object(member func(key []byte) error) error {
	if p.peekNull() {
		p.pos += 4
		return nil
	}
	if err := p.expect('{'); err != nil {
		return err
	}
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.ws()
		return nil
	}
	for {
		key, err := p.rawKey()
		if err != nil {
			return err
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
		p.ws()
		if p.pos >= len(p.data) {
			return errSyntax
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.ws()
		case '}':
			p.pos++
			p.ws()
			return nil
		default:
			return errSyntax
		}
	}
}

func (p *chunkParser) array(elem func(i int) error) error {
	if p.peekNull() {
		p.pos += 4
		return nil
	}
	if err := p.expect('['); err != nil {
		return err
	}
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.ws()
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return err
		}
		p.ws()
		if p.pos >= len(p.data) {
			return errSyntax
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.ws()
		case ']':
			p.pos++
			p.ws()
			return nil
		default:
			return errSyntax
		}
	}
}

// rawKey reads an object key, lower-cased as encoding/json matches keys
// case-insensitively. Keys tier matches never contain escapes, so an escaped
// key is returned raw (it then matches nothing and is skipped).
func (p *chunkParser) rawKey() ([]byte, error) {
	if p.pos >= len(p.data) || p.data[p.pos] != '"' {
		return nil, errSyntax
	}
	start := p.pos + 1
	end, _, err := p.scanString()
	if err != nil {
		return nil, err
	}
	k := p.data[start:end]
	for _, b := range k {
		if b >= 'A' && b <= 'Z' {
			p.key = append(p.key[:0], k...)
			for i, c := range p.key {
				if c >= 'A' && c <= 'Z' {
					p.key[i] = c + 'a' - 'A'
				}
			}
			return p.key, nil
		}
	}
	return k, nil
}

// scanString moves past a string starting at p.pos and returns the index of
// its closing quote and whether it has escapes.
func (p *chunkParser) scanString() (end int, escaped bool, err error) {
	i := p.pos + 1
	for i < len(p.data) {
		switch b := p.data[i]; {
		case b == '"':
			p.pos = i + 1
			return i, escaped, nil
		case b == '\\':
			escaped = true
			i += 2
		case b < 0x20:
			return 0, false, errSyntax
		default:
			i++
		}
	}
	return 0, false, errSyntax
}

func (p *chunkParser) strOrNull() ([]byte, error) {
	if p.peekNull() {
		p.pos += 4
		return nil, nil
	}
	return p.str()
}

// str reads a string value, unescaping into p.buf when needed.
func (p *chunkParser) str() ([]byte, error) {
	if p.pos >= len(p.data) || p.data[p.pos] != '"' {
		return nil, errSyntax
	}
	start := p.pos + 1
	end, escaped, err := p.scanString()
	if err != nil {
		return nil, err
	}
	raw := p.data[start:end]
	if !escaped {
		return raw, nil
	}
	off := len(p.buf)
	for i := 0; i < len(raw); i++ {
		b := raw[i]
		if b != '\\' {
			p.buf = append(p.buf, b)
			continue
		}
		i++
		if i >= len(raw) {
			return nil, errSyntax
		}
		switch raw[i] {
		case '"', '\\', '/':
			p.buf = append(p.buf, raw[i])
		case 'b':
			p.buf = append(p.buf, '\b')
		case 'f':
			p.buf = append(p.buf, '\f')
		case 'n':
			p.buf = append(p.buf, '\n')
		case 'r':
			p.buf = append(p.buf, '\r')
		case 't':
			p.buf = append(p.buf, '\t')
		case 'u':
			r, n := decodeU(raw[i+1:])
			if n == 0 {
				return nil, errSyntax
			}
			i += n
			p.buf = utf8.AppendRune(p.buf, r)
		default:
			return nil, errSyntax
		}
	}
	return p.buf[off:], nil
}

// decodeU decodes the hex digits after \u (and a following low surrogate),
// returning the rune and how many bytes of s it used.
func decodeU(s []byte) (rune, int) {
	hex := func(s []byte) (rune, bool) {
		if len(s) < 4 {
			return 0, false
		}
		v, err := strconv.ParseUint(string(s[:4]), 16, 32)
		return rune(v), err == nil
	}
	r, ok := hex(s)
	if !ok {
		return 0, 0
	}
	if r >= 0xD800 && r < 0xDC00 {
		if len(s) >= 10 && s[4] == '\\' && s[5] == 'u' {
			if lo, ok := hex(s[6:]); ok && lo >= 0xDC00 && lo < 0xE000 {
				return (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000, 10
			}
		}
		return utf8.RuneError, 4
	}
	if r >= 0xDC00 && r < 0xE000 {
		return utf8.RuneError, 4
	}
	return r, 4
}

func (p *chunkParser) int(dst *int) error {
	start := p.pos
	if err := p.skip(); err != nil {
		return err
	}
	v, err := strconv.ParseFloat(string(p.data[start:p.pos]), 64)
	if err != nil {
		return nil // a non-number usage figure is ignored, not fatal
	}
	*dst = int(v)
	return nil
}

// float reads a number into *dst; anything else leaves it nil.
func (p *chunkParser) float(dst **float64) error {
	start := p.pos
	if err := p.skip(); err != nil {
		return err
	}
	v, err := strconv.ParseFloat(string(p.data[start:p.pos]), 64)
	if err != nil {
		return nil
	}
	*dst = &v
	return nil
}

// skip moves past one value of any type.
func (p *chunkParser) skip() error {
	p.ws()
	if p.pos >= len(p.data) {
		return errSyntax
	}
	switch b := p.data[p.pos]; {
	case b == '"':
		_, _, err := p.scanString()
		return err
	case b == '{':
		return p.object(func([]byte) error { return p.skip() })
	case b == '[':
		return p.array(func(int) error { return p.skip() })
	case b == 't' || b == 'f' || b == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if p.pos+len(lit) <= len(p.data) && string(p.data[p.pos:p.pos+len(lit)]) == lit {
				p.pos += len(lit)
				return nil
			}
		}
		return errSyntax
	case b == '-' || (b >= '0' && b <= '9'):
		i := p.pos + 1
		for i < len(p.data) {
			c := p.data[i]
			if (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
				i++
				continue
			}
			break
		}
		p.pos = i
		return nil
	}
	return errSyntax
}
