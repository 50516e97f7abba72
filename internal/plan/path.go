package plan

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Paths are written the way Terraform expressions address values:
//
//	input.labels.team                 attribute and identifier-like map keys
//	ports[1]                          list, tuple and set elements
//	spec[0].container[0].image        nested blocks
//	tags["kubernetes.io/name"]        map keys that are not identifiers
//
// A key is an identifier when it matches [A-Za-z_][A-Za-z0-9_-]*. Quoted
// keys use JSON string escapes, so "0" (a map key) and 0 (an index) differ.

// isIdent reports whether key can be written after a dot.
func isIdent(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// appendKey appends an object attribute or map key step to path.
func appendKey(path []byte, key string) []byte {
	if isIdent(key) {
		if len(path) > 0 {
			path = append(path, '.')
		}
		return append(path, key...)
	}
	path = append(path, '[')
	path = appendQuoted(path, key)
	return append(path, ']')
}

// appendIndex appends a list element step to path.
func appendIndex(path []byte, i int) []byte {
	path = append(path, '[')
	path = strconv.AppendInt(path, int64(i), 10)
	return append(path, ']')
}

// appendQuoted appends s as a double-quoted string with JSON escapes;
// characters Unicode does not call printable are escaped as \uXXXX (or
// \UXXXXXXXX), as HCL writes them and Terraform shows them in a plan, so
// that no character is invisible or turns the text around.
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError:
				b = utf8.AppendRune(b, r) // U+FFFD for invalid UTF-8
			case !unicode.IsPrint(r) && r <= 0xffff:
				// Invisible, format, direction and control characters
				// (U+00A0, U+200B, U+202E, C1 controls) are written as
				// HCL (and so Terraform's plan rendering) writes them.
				b = append(b, '\\', 'u', hex[r>>12], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
			case !unicode.IsPrint(r):
				b = fmt.Appendf(b, "\\U%08x", r)
			default:
				b = utf8.AppendRune(b, r)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20 || c == 0x7f:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}

// FormatPath formats a path given as steps, as Terraform writes them in
// replace_paths: strings for attribute names and map keys, numbers for
// element indexes.
func FormatPath(steps []any) string {
	var b []byte
	for _, s := range steps {
		switch s := s.(type) {
		case string:
			b = appendKey(b, s)
		case json.Number:
			b = append(b, '[')
			b = append(b, s...)
			b = append(b, ']')
		case float64:
			b = append(b, '[')
			b = strconv.AppendFloat(b, s, 'f', -1, 64)
			b = append(b, ']')
		case int:
			b = appendIndex(b, s)
		default:
			b = append(b, '[')
			b = append(b, fmt.Sprint(s)...)
			b = append(b, ']')
		}
	}
	return string(b)
}
