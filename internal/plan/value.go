package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// parser decodes one change's raw JSON text, already validated by the
// scanner, into Go values of the shapes encoding/json produces with
// UseNumber: map[string]any, []any, string, json.Number, bool and nil.
//
// It is hand-written rather than reflection-based, for speed: strings
// without escapes are substrings of src (no copy), arrays and objects are
// collected on a shared scratch stack and allocated once at their final
// size. (Next's hot path decodes before, after and the marks into a tree
// instead, which allocates nothing per value: see tree.go.)
type parser struct {
	src  string
	i    int
	base int64 // input offset of src[0]

	arr []any // scratch stack of array elements
	obj []kv  // scratch stack of object members

	// The element being decoded, for error messages: section and index
	// for resource_changes/resource_drift, outName for output_changes.
	section string
	index   int
	outName string

	// With tree set, a change's before, after and marks are decoded into
	// it (their roots in refs) instead of into the tfjson.Change.
	tree *tree
	refs changeRefs
}

type kv struct {
	k string
	v any
}

func (p *parser) reset(src string, base int64) {
	p.src, p.i, p.base = src, 0, base
}

// errAt reports a problem at src index i.
func (p *parser) errAt(kind error, i int, format string, args ...any) error {
	return &Error{Kind: kind, Offset: p.base + int64(i), Msg: fmt.Sprintf(format, args...)}
}

// internal reports text the scanner validated but the parser cannot read:
// it should not happen.
func (p *parser) internal() error {
	return p.errAt(ErrSyntax, p.i, "malformed JSON")
}

func (p *parser) ws() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte (0 at the end).
func (p *parser) peek() byte {
	p.ws()
	if p.i >= len(p.src) {
		return 0
	}
	return p.src[p.i]
}

// kindAt names the JSON type of the value starting with c.
func kindAt(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// value decodes any JSON value.
func (p *parser) value() (any, error) {
	switch c := p.peek(); c {
	case '{':
		return p.object()
	case '[':
		return p.array()
	case '"':
		return p.str()
	case 't':
		return true, p.literal("true")
	case 'f':
		return false, p.literal("false")
	case 'n':
		return nil, p.literal("null")
	case 0:
		return nil, p.internal()
	default:
		j := p.i
		for p.i < len(p.src) && numByte(p.src[p.i]) {
			p.i++
		}
		if j == p.i {
			return nil, p.internal()
		}
		return json.Number(p.src[j:p.i]), nil
	}
}

func numByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func (p *parser) literal(word string) error {
	if !strings.HasPrefix(p.src[p.i:], word) {
		return p.internal()
	}
	p.i += len(word)
	return nil
}

func (p *parser) object() (map[string]any, error) {
	p.i++ // {
	mark := len(p.obj)
	defer func() {
		clear(p.obj[mark:])
		p.obj = p.obj[:mark]
	}()
	for {
		k, ok, err := p.member(len(p.obj) == mark)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		p.obj = append(p.obj, kv{k, v})
	}
	m := make(map[string]any, len(p.obj)-mark)
	for _, e := range p.obj[mark:] {
		m[e.k] = e.v
	}
	return m, nil
}

// member reads the next object key and its colon, or the closing brace
// (ok false). first says whether no member has been read yet.
func (p *parser) member(first bool) (key string, ok bool, err error) {
	c := p.peek()
	if c == '}' {
		p.i++
		return "", false, nil
	}
	if !first {
		if c != ',' {
			return "", false, p.internal()
		}
		p.i++
		c = p.peek()
	}
	if c != '"' {
		return "", false, p.internal()
	}
	if key, err = p.str(); err != nil {
		return "", false, err
	}
	if p.peek() != ':' {
		return "", false, p.internal()
	}
	p.i++
	return key, true, nil
}

func (p *parser) array() ([]any, error) {
	p.i++ // [
	mark := len(p.arr)
	defer func() {
		clear(p.arr[mark:])
		p.arr = p.arr[:mark]
	}()
	for first := true; ; first = false {
		c := p.peek()
		if c == ']' {
			p.i++
			break
		}
		if !first {
			if c != ',' {
				return nil, p.internal()
			}
			p.i++
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		p.arr = append(p.arr, v)
	}
	a := make([]any, len(p.arr)-mark)
	copy(a, p.arr[mark:])
	return a, nil
}

// str decodes the string at p.i (its opening quote).
func (p *parser) str() (string, error) {
	start := p.i
	rest := p.src[p.i+1:]
	end := strings.IndexByte(rest, '"')
	if end < 0 {
		return "", p.internal()
	}
	if s := rest[:end]; strings.IndexByte(s, '\\') < 0 && utf8.ValidString(s) {
		p.i += end + 2
		return s, nil
	}
	// Slow path: escapes (so the first quote may be escaped) or invalid
	// UTF-8.
	j := p.i + 1
	for j < len(p.src) {
		if c := p.src[j]; c == '"' {
			break
		} else if c == '\\' {
			j++
		}
		j++
	}
	if j >= len(p.src) {
		return "", p.internal()
	}
	p.i = j + 1
	s, err := unquote(p.src[start:p.i])
	if err != nil {
		return "", p.errAt(ErrSyntax, start, "%v", err)
	}
	return s, nil
}

// skip consumes one value without building it (the text is validated:
// skipRaw).
func (p *parser) skip() error { return p.skipRaw() }

var errBadString = errors.New("invalid JSON string")

// unquote decodes a quoted JSON string as encoding/json does: escapes are
// resolved, invalid UTF-8 and lone surrogates become U+FFFD.
func unquote(q string) (string, error) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", errBadString
	}
	s := q[1 : len(q)-1]
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return "", errBadString
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := hex4(s[i+2:])
				if !ok {
					return "", errBadString
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if r2, ok := hex4(s[min(i+2, len(s)):]); ok && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				return "", errBadString
			}
			i += 2
		case c < 0x20 || c == '"':
			return "", errBadString
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r) // RuneError for invalid bytes
			i += size
		}
	}
	return string(b), nil
}

func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(s[:4], 16, 32)
	if err != nil || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	return rune(n), true
}
