package plan

import (
	"slices"
	"strings"
)

// tokenEnd marks the bytes that end a number or a literal.
var tokenEnd = func() (t [256]bool) {
	for _, c := range []byte(" \t\r\n,:]}") {
		t[c] = true
	}
	return t
}()

// This file answers, cheaply, the first pass's question about one change
// or resource: does any of its sensitivity marks hold a true? Most do not
// (a mark of {} or {"tags":{}} marks nothing), and then its values need
// not be decoded at all. The text has been validated by the scanner, so
// only its structure is followed: strings are stepped over, never
// decoded, except object keys, which are compared decoded.

// marksTrue reports whether the object at p.i holds a true in the value
// of a member named one of marks; with in set, the marks are looked for
// in the object that member in names instead ("change" for an element of
// resource_changes). It consumes the object.
func (p *parser) marksTrue(in string, marks ...string) (bool, error) {
	if p.peek() != '{' {
		return false, p.skipRaw()
	}
	p.i++
	found := false
	for first := true; ; first = false {
		key, ok, err := p.member(first)
		if err != nil || !ok {
			return found, err
		}
		switch {
		case in != "" && key == in:
			t, err := p.marksTrue("", marks...)
			if err != nil {
				return false, err
			}
			found = found || t
		case in == "" && slices.Contains(marks, key):
			start := p.i
			if err := p.skipRaw(); err != nil {
				return false, err
			}
			found = found || holdsTrue(p.src[start:p.i])
		default:
			if err := p.skipRaw(); err != nil {
				return false, err
			}
		}
	}
}

// lastMember returns the raw value of member key of the validated object
// src when key is its last member, as Terraform writes sensitive_values:
// found from the end, with no walk over the members before it. ok is false
// when that cannot be told this way (key is elsewhere, or absent), and
// the caller walks the object instead. An occurrence of "key": inside a
// string is impossible (its second quote would be escaped), and one in a
// nested object is followed by at least two closing braces, not one.
func lastMember(src, key string) (v string, ok bool) {
	quoted := `"` + key + `"`
	at := strings.LastIndex(src, quoted)
	if at < 0 {
		return "", false
	}
	before := strings.TrimRight(src[:at], " \t\r\n")
	if !strings.HasSuffix(before, ",") && !strings.HasSuffix(before, "{") {
		return "", false
	}
	rest := strings.TrimLeft(src[at+len(quoted):], " \t\r\n")
	if !strings.HasPrefix(rest, ":") {
		return "", false
	}
	p := parser{src: rest[1:]}
	if err := p.skipRaw(); err != nil {
		return "", false
	}
	if tail := strings.TrimSpace(p.src[p.i:]); tail != "}" {
		return "", false
	}
	return p.src[:p.i], true
}

// holdsTrue reports whether the validated JSON text v holds the literal
// true: a 't' outside every string (no other token has one).
func holdsTrue(v string) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case 't':
			return true
		case '"':
			i = stringEnd(v, i)
		}
	}
	return false
}

// stringEnd returns the index of the closing quote of the validated JSON
// string whose opening quote is at v[i].
func stringEnd(v string, i int) int {
	for i++; i < len(v); i++ {
		switch v[i] {
		case '"':
			return i
		case '\\':
			i++ // the escaped byte
		}
	}
	return len(v)
}

// skipRaw consumes one validated value without decoding its strings.
func (p *parser) skipRaw() error {
	depth := 0
	for {
		switch c := p.peek(); c {
		case 0:
			return p.internal()
		case '{', '[':
			depth++
			p.i++
		case '}', ']':
			depth--
			p.i++
			if depth < 0 {
				return p.internal()
			}
		case ',', ':':
			p.i++
		case '"':
			p.i = stringEnd(p.src, p.i) + 1
		default: // a number or a literal
			for p.i < len(p.src) && !tokenEnd[p.src[p.i]] {
				p.i++
			}
		}
		if depth == 0 {
			return nil
		}
	}
}
