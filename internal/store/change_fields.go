package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Fields are stored compactly, one JSON array per field —
// [path, before, after, flags] with flags 1 unknown, 2 sensitive, 4 changed,
// 8 absent before, 16 absent after (release.Field.Absent),
// and [path, before, after, flags, applied] once applied values are known —
// about half the bytes of the API's objects, which matters at 100,000 fields
// a plan. The API shape is rebuilt on read.
const (
	flagUnknown   = 1
	flagSensitive = 2
	flagChanged   = 4
	flagNoBefore  = 8
	flagNoAfter   = 16
)

// encodeFields writes fields in the stored form (above). It is a
// hand-written encoder, for a plan writes 100,000 fields at a time: the
// values a plan gives (strings, json.Number, booleans, null, and objects
// and lists of them as map[string]any and []any) are written directly,
// byte for byte as encoding/json writes them (appendJSONString); any
// other type goes through encoding/json. A
// json.Number that is not a JSON number is an error, as with Marshal.
func encodeFields(fs []release.Field) (string, error) {
	withApplied := false
	for _, f := range fs {
		if f.Applied != nil {
			withApplied = true
			break
		}
	}
	b := make([]byte, 0, 2+48*len(fs))
	b = append(b, '[')
	var err error
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		flags := 0
		if f.Unknown {
			flags |= flagUnknown
		}
		if f.Sensitive {
			flags |= flagSensitive
		}
		if f.Changed {
			flags |= flagChanged
		}
		switch f.Absent {
		case "before":
			flags |= flagNoBefore
		case "after":
			flags |= flagNoAfter
		}
		b = append(b, '[')
		b = appendJSONString(b, f.Path)
		b = append(b, ',')
		if b, err = appendJSONValue(b, f.Before); err != nil {
			return "", fmt.Errorf("encoding fields: %s: %w", f.Path, err)
		}
		b = append(b, ',')
		if b, err = appendJSONValue(b, f.After); err != nil {
			return "", fmt.Errorf("encoding fields: %s: %w", f.Path, err)
		}
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(flags), 10)
		if withApplied && f.Applied != nil {
			b = append(b, ',')
			if b, err = appendJSONValue(b, f.Applied); err != nil {
				return "", fmt.Errorf("encoding fields: %s: %w", f.Path, err)
			}
		}
		b = append(b, ']')
	}
	b = append(b, ']')
	return string(b), nil
}

// appendJSONValue appends v as encoding/json.Marshal writes it.
func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case json.Number:
		if v == "" {
			return append(b, '0'), nil // as Marshal writes it
		}
		if !isJSONNumber(string(v)) {
			return b, fmt.Errorf("invalid number literal %q", string(v))
		}
		return append(b, v...), nil
	case map[string]any:
		if v == nil {
			return append(b, "null"...), nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys) // as Marshal orders map keys
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendJSONValue(b, v[k]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSONValue(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

// appendJSONString appends s as a JSON string (RFC 8259, section 7),
// escaped as encoding/json escapes it by default: quote, backslash and
// control characters; <, > and & (HTML-safe); U+2028 and U+2029; and
// invalid UTF-8 written as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// isJSONNumber reports whether s is a number as RFC 8259 (section 6)
// writes one: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	digits := func(i int) int {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		return j
	}
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(i)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(s)
}

func decodeFields(s string) ([]release.Field, error) {
	var rows [][5]json.RawMessage
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return nil, err
	}
	out := make([]release.Field, len(rows))
	for i, r := range rows {
		f := &out[i]
		if err := json.Unmarshal(r[0], &f.Path); err != nil {
			return nil, err
		}
		for j, dst := range []*any{&f.Before, &f.After} {
			d := json.NewDecoder(strings.NewReader(string(r[1+j])))
			d.UseNumber() // numbers come back exactly as terraform wrote them
			if err := d.Decode(dst); err != nil {
				return nil, err
			}
		}
		var flags int
		if err := json.Unmarshal(r[3], &flags); err != nil {
			return nil, errors.New("bad flags")
		}
		f.Unknown, f.Sensitive, f.Changed = flags&flagUnknown != 0, flags&flagSensitive != 0, flags&flagChanged != 0
		switch {
		case flags&flagNoBefore != 0:
			f.Absent = "before"
		case flags&flagNoAfter != 0:
			f.Absent = "after"
		}
		if len(r[4]) > 0 {
			d := json.NewDecoder(strings.NewReader(string(r[4])))
			d.UseNumber()
			if err := d.Decode(&f.Applied); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
