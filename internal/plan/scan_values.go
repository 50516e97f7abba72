package plan

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unsafe"
)

// This file is the scanner's JSON values: strings, numbers and literals
// skipped, validated, read or captured, and whole values skipped with
// their nesting checked.

// strPlain marks the bytes that need no attention inside a JSON string.
var strPlain = func() (t [256]bool) {
	for i := 0x20; i < 256; i++ {
		t[i] = i != '"' && i != '\\'
	}
	return t
}()

// skipString consumes a JSON string whose opening quote has been consumed.
func (s *scanner) skipString() error {
	for {
		buf, i := s.buf, s.pos
		// Eight bytes at a time while none needs attention.
		for i+8 <= len(buf) {
			if special := strSpecial(binary.LittleEndian.Uint64(buf[i:])); special != 0 {
				i += bits.TrailingZeros64(special) / 8
				break
			}
			i += 8
		}
		for i < len(buf) && strPlain[buf[i]] {
			i++
		}
		s.pos = i
		if i == len(buf) {
			if !s.fill() {
				return s.eofErr("in a string")
			}
			continue
		}
		switch buf[i] {
		case '"':
			s.pos++
			return nil
		case '\\':
			s.pos++
			c, ok := s.peek()
			if !ok {
				return s.eofErr("in a string escape")
			}
			switch c {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos++
			case 'u':
				s.pos++
				for range 4 {
					h, ok := s.peek()
					if !ok {
						return s.eofErr("in a string escape")
					}
					if !isHex(h) {
						return s.syntaxErr("invalid \\u escape in a string")
					}
					s.pos++
				}
			default:
				return s.syntaxErr("invalid escape in a string")
			}
		default:
			return s.syntaxErr("control character 0x%02x in a string", buf[i])
		}
	}
}

// strSpecial returns, for eight string bytes in little-endian order, a
// word whose lowest set bit is in the first byte that is a quote, a
// backslash or a control character (0 if none is). It is the classic
// "has zero byte" trick, exact for the lowest byte.
func strSpecial(x uint64) uint64 {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	q := x ^ (ones * '"')
	b := x ^ (ones * '\\')
	zq := (q - ones) &^ q
	zb := (b - ones) &^ b
	ctl := (x - ones*0x20) &^ x
	return (zq | zb | ctl) & highs
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skipDigits consumes digits and reports how many.
func (s *scanner) skipDigits() int {
	n := 0
	for {
		c, ok := s.peek()
		if !ok || !isDigit(c) {
			return n
		}
		s.pos++
		n++
	}
}

// skipNumber consumes a JSON number starting at the current byte.
func (s *scanner) skipNumber() error {
	if n, ok := numberLen(s.buf[s.pos:]); ok {
		s.pos += n
		return nil
	}
	// The number is malformed or reaches the end of the buffer: go byte by
	// byte, refilling.
	if c, _ := s.peek(); c == '-' {
		s.pos++
	}
	c, ok := s.peek()
	switch {
	case !ok:
		return s.eofErr("in a number")
	case c == '0':
		s.pos++
	case isDigit(c):
		s.skipDigits()
	default:
		return s.syntaxErr("invalid number: %s after '-'", describeByte(c))
	}
	if c, ok := s.peek(); ok && c == '.' {
		s.pos++
		if s.skipDigits() == 0 {
			return s.numberErr("in the fraction of a number")
		}
	}
	if c, ok := s.peek(); ok && (c == 'e' || c == 'E') {
		s.pos++
		if c, ok := s.peek(); ok && (c == '+' || c == '-') {
			s.pos++
		}
		if s.skipDigits() == 0 {
			return s.numberErr("in the exponent of a number")
		}
	}
	return s.err
}

// numberLen returns the length of the valid JSON number at the start of b
// when it ends before the end of b; ok is false otherwise.
func numberLen(b []byte) (n int, ok bool) {
	i := 0
	digits := func() int {
		j := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		return i - j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return 0, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	return i, i < len(b)
}

func (s *scanner) numberErr(where string) error {
	c, ok := s.peek()
	if !ok {
		return s.eofErr(where)
	}
	return s.syntaxErr("invalid number: %s %s", describeByte(c), where)
}

// skipLiteral consumes true, false or null.
func (s *scanner) skipLiteral(word string) error {
	if rest := s.buf[s.pos:]; len(rest) >= len(word) && string(rest[:len(word)]) == word {
		s.pos += len(word)
		return nil
	}
	for i := 0; i < len(word); i++ {
		c, ok := s.peek()
		if !ok {
			return s.eofErr("in a literal")
		}
		if c != word[i] {
			return s.syntaxErr("invalid literal (expected %s)", word)
		}
		s.pos++
	}
	return nil
}

// What skipValue expects next.
const (
	wantValue      = iota // a value
	wantValueOrEnd        // a value or ']' (just after '[')
	wantKey               // an object key
	wantKeyOrEnd          // an object key or '}' (just after '{')
	wantColon             // the colon after a key
	wantMore              // ',' or the container's end, after a value
)

var wantWhere = [...]string{
	wantValue:      "looking for a value",
	wantValueOrEnd: "in an array",
	wantKey:        "looking for an object key",
	wantKeyOrEnd:   "in an object",
	wantColon:      "after an object key",
	wantMore:       "after a value",
}

// skipValue consumes and validates one JSON value. depth is the nesting
// depth of the value's container (the top-level object is depth 1).
func (s *scanner) skipValue(depth int) error {
	st := s.stack[:0]
	defer func() { s.stack = st[:0] }()
	want := wantValue
	for {
		if s.pos >= len(s.buf) && !s.fill() {
			return s.eofErr(wantWhere[want])
		}
		c := s.buf[s.pos]
		if c <= ' ' && (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
			s.pos++
			continue
		}
		var err error
		switch want {
		case wantValue, wantValueOrEnd:
			switch {
			case c == ']' && want == wantValueOrEnd:
				s.pos++
				st = st[:len(st)-1]
				want = wantMore
			case c == '{' || c == '[':
				if depth+len(st)+1 > s.maxDepth {
					return s.errAt(ErrTooDeep, s.offset(), "JSON nested deeper than %d levels", s.maxDepth)
				}
				s.pos++
				st = append(st, c == '{')
				want = wantValueOrEnd
				if c == '{' {
					want = wantKeyOrEnd
				}
				continue
			case c == '"':
				s.pos++
				err = s.skipString()
				want = wantMore
			case c == '-' || isDigit(c):
				err = s.skipNumber()
				want = wantMore
			case c == 't':
				err = s.skipLiteral("true")
				want = wantMore
			case c == 'f':
				err = s.skipLiteral("false")
				want = wantMore
			case c == 'n':
				err = s.skipLiteral("null")
				want = wantMore
			default:
				return s.syntaxErr("unexpected %s looking for a value", describeByte(c))
			}
		case wantKey, wantKeyOrEnd:
			switch {
			case c == '}' && want == wantKeyOrEnd:
				s.pos++
				st = st[:len(st)-1]
				want = wantMore
			case c == '"':
				s.pos++
				err = s.skipString()
				want = wantColon
			default:
				return s.syntaxErr("expected '\"' for an object key, found %s", describeByte(c))
			}
		case wantColon:
			if c != ':' {
				return s.syntaxErr("expected ':' after an object key, found %s", describeByte(c))
			}
			s.pos++
			want = wantValue
			continue
		case wantMore:
			obj := st[len(st)-1]
			switch {
			case c == ',':
				s.pos++
				want = wantValue
				if obj {
					want = wantKey
				}
				continue
			case obj && c == '}' || !obj && c == ']':
				s.pos++
				st = st[:len(st)-1]
			default:
				where := "in an array"
				if obj {
					where = "in an object"
				}
				return s.syntaxErr("unexpected %s after a value %s", describeByte(c), where)
			}
		}
		if err != nil {
			return err
		}
		// A complete value: done at the top, else a separator is next.
		if want == wantMore && len(st) == 0 {
			return nil
		}
	}
}

// readString reads the JSON string at the current position (its opening
// quote not yet consumed) and returns it unescaped. When its raw form is
// longer than limit bytes, a soft read skips it and returns ok false, a
// hard one fails with ErrTooLarge naming it what.
func (s *scanner) readString(limit int, soft bool, what string) (str string, ok bool, err error) {
	s.setMark(s.pos, limit, soft, what)
	defer s.clearMark()
	s.pos++
	if err := s.skipString(); err != nil {
		return "", false, err
	}
	if s.markLost || s.pos-s.mark > limit {
		if !soft {
			return "", false, s.errAt(ErrTooLarge, s.base+int64(s.mark), "%s is larger than the %d-byte limit", what, limit)
		}
		return "", false, nil
	}
	str, err = unquote(string(s.buf[s.mark:s.pos]))
	if err != nil {
		return "", false, s.errAt(ErrSyntax, s.base+int64(s.mark), "%v", err)
	}
	return str, true, nil
}

// captureValue validates one JSON value and returns its raw text. what
// names the value for the too-large error; limit caps its size.
func (s *scanner) captureValue(depth, limit int, what string) (src string, start int64, err error) {
	src, start, err = s.viewValue(depth, limit, what)
	return strings.Clone(src), start, err
}

// viewValue is captureValue without the copy: src is the scanner's own
// buffer, valid only until the scanner reads on. The first pass looks at
// each change this way (it keeps no text of it: secrets are cloned).
func (s *scanner) viewValue(depth, limit int, what string) (src string, start int64, err error) {
	s.skipSpace()
	start = s.offset()
	s.setMark(s.pos, limit, false, what)
	defer s.clearMark()
	if err := s.skipValue(depth); err != nil {
		return "", start, err
	}
	if s.pos-s.mark > limit {
		return "", start, s.errAt(ErrTooLarge, start, "%s is larger than the %d-byte limit", what, limit)
	}
	if s.pos == s.mark {
		return "", start, nil
	}
	return unsafe.String(&s.buf[s.mark], s.pos-s.mark), start, nil
}
