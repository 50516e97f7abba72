package release

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Limits of ScanState: a state nested deeper, or with a number or a
// member name longer, is refused. Terraform's states stay far below them.
const (
	maxStateDepth = 512
	maxStateToken = 1 << 10 // bytes of a number, or of a string ScanState reads (member names, lineage, mode)
)

// ScanState reads a state document from r as ParseState does, in bounded
// memory whatever its size: it keeps only the member names and the few
// values it reads (version, serial, lineage, each resource's mode) and
// checks that the rest is well-formed JSON without holding it (a string of
// 200 MB costs nothing). Errors wrap ErrInvalidState and say what and
// where (byte offset); a read error of r is returned wrapped as it is.
func ScanState(r io.Reader) (StateMeta, error) {
	s := &stateScanner{r: bufio.NewReaderSize(r, 64<<10)}
	m, err := s.document()
	var se *stateSyntaxError
	if errors.As(err, &se) {
		return StateMeta{}, fmt.Errorf("%w: not a terraform state (JSON: %s at byte %d)", ErrInvalidState, se.msg, se.off)
	}
	return m, err
}

type stateSyntaxError struct {
	msg string
	off int64
}

func (e *stateSyntaxError) Error() string { return fmt.Sprintf("%s at byte %d", e.msg, e.off) }

// stateScanner is a JSON reader that skips values it is not asked for.
type stateScanner struct {
	r   *bufio.Reader
	off int64 // bytes read
}

func (s *stateScanner) fail(format string, args ...any) error {
	return &stateSyntaxError{msg: fmt.Sprintf(format, args...), off: s.off}
}

func (s *stateScanner) readByte() (byte, error) {
	c, err := s.r.ReadByte()
	if err == io.EOF {
		return 0, s.fail("the document ends in the middle of a value")
	}
	if err != nil {
		return 0, err
	}
	s.off++
	return c, nil
}

// peek returns the next byte that is not white space, without reading it;
// io.EOF at the end.
func (s *stateScanner) peek() (byte, error) {
	for {
		b, err := s.r.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\n', '\r':
			s.r.ReadByte()
			s.off++
		default:
			return b[0], nil
		}
	}
}

// expect reads the next byte that is not white space and checks it is c.
func (s *stateScanner) expect(c byte) error {
	p, err := s.peek()
	if err == io.EOF {
		return s.fail("the document ends where %q was expected", c)
	}
	if err != nil {
		return err
	}
	if p != c {
		return s.fail("%q where %q was expected", p, c)
	}
	s.readByte()
	return nil
}

// str reads a string (after white space); with keep, it returns its value,
// else "". A string longer than maxStateToken bytes (as JSON) is read to
// its end but not kept: it gives errLongString, which a caller looking for
// known names takes as none of them.
func (s *stateScanner) str(keep bool) (string, error) {
	v, long, err := s.text(keep)
	if err == nil && long {
		return "", errLongString
	}
	return v, err
}

// errLongString is a string str read but did not keep.
var errLongString = errors.New("a string longer than expected")

func (s *stateScanner) text(keep bool) (string, bool, error) {
	long := false
	if err := s.expect('"'); err != nil {
		return "", false, err
	}
	raw := []byte{'"'}
	for {
		if !keep {
			if err := s.skipPlain(); err != nil {
				return "", long, err
			}
		}
		c, err := s.readByte()
		if err != nil {
			return "", long, err
		}
		if keep && len(raw) > maxStateToken {
			keep, long, raw = false, true, nil
		}
		if keep {
			raw = append(raw, c)
		}
		switch {
		case c == '"':
			if !keep {
				return "", long, nil
			}
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return "", long, s.fail("bad string: %v", err)
			}
			return v, long, nil
		case c == '\\':
			e, err := s.readByte()
			if err != nil {
				return "", long, err
			}
			if keep {
				raw = append(raw, e)
			}
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for range 4 {
					h, err := s.readByte()
					if err != nil {
						return "", long, err
					}
					if !isHexDigit(h) {
						return "", long, s.fail("bad \\u escape in a string")
					}
					if keep {
						raw = append(raw, h)
					}
				}
			default:
				return "", long, s.fail("bad escape \\%c in a string", e)
			}
		case c < 0x20:
			return "", long, s.fail("control character 0x%02x in a string", c)
		}
	}
}

// skipPlain skips the bytes of a string up to the next quote, backslash
// or control character, a buffer at a time.
func (s *stateScanner) skipPlain() error {
	for {
		buf, err := s.r.Peek(max(1, s.r.Buffered()))
		if len(buf) == 0 {
			if err == io.EOF {
				return nil // readByte reports the end
			}
			return err
		}
		i := 0
		for i < len(buf) && buf[i] != '"' && buf[i] != '\\' && buf[i] >= 0x20 {
			i++
		}
		s.r.Discard(i)
		s.off += int64(i)
		if i < len(buf) {
			return nil
		}
	}
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// number reads a number (after white space) and returns its text.
func (s *stateScanner) number() (string, error) {
	if _, err := s.peek(); err != nil && err != io.EOF {
		return "", err
	}
	var raw []byte
	for {
		b, err := s.r.Peek(1)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		c := b[0]
		if !('0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			break
		}
		if len(raw) >= maxStateToken {
			return "", s.fail("a number is longer than %d bytes", maxStateToken)
		}
		raw = append(raw, c)
		s.readByte()
	}
	if len(raw) == 0 || !json.Valid(raw) {
		return "", s.fail("bad number %q", raw)
	}
	return string(raw), nil
}

// literal reads true, false or null.
func (s *stateScanner) literal() (string, error) {
	p, err := s.peek()
	if err != nil && err != io.EOF {
		return "", err
	}
	for _, word := range []string{"true", "false", "null"} {
		if p == word[0] {
			for i := range len(word) {
				c, err := s.readByte()
				if err != nil {
					return "", err
				}
				if c != word[i] {
					return "", s.fail("unexpected %q", c)
				}
			}
			return word, nil
		}
	}
	return "", s.fail("unexpected %q where a value was expected", p)
}

// skip reads one value of any kind without keeping it.
func (s *stateScanner) skip(depth int) error {
	p, err := s.peek()
	if err == io.EOF {
		return s.fail("the document ends where a value was expected")
	}
	if err != nil {
		return err
	}
	switch {
	case p == '{':
		return s.members(depth+1, func(string) error { return s.skip(depth + 1) })
	case p == '[':
		_, err := s.elements(depth+1, func() error { return s.skip(depth + 1) })
		return err
	case p == '"':
		_, err := s.str(false)
		return err
	case p == '-' || '0' <= p && p <= '9':
		_, err := s.number()
		return err
	default:
		_, err := s.literal()
		return err
	}
}

// members reads an object, calling member with each name to read its value.
func (s *stateScanner) members(depth int, member func(name string) error) error {
	if depth > maxStateDepth {
		return s.fail("nested deeper than %d", maxStateDepth)
	}
	if err := s.expect('{'); err != nil {
		return err
	}
	if p, err := s.peek(); err == nil && p == '}' {
		s.readByte()
		return nil
	}
	for {
		name, err := s.str(true)
		if err == errLongString {
			name, err = "", nil // no name ScanState looks for
		}
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := member(name); err != nil {
			return err
		}
		p, err := s.peek()
		if err == io.EOF {
			return s.fail("the document ends inside an object")
		}
		if err != nil {
			return err
		}
		s.readByte()
		switch p {
		case '}':
			return nil
		case ',':
		default:
			return s.fail("%q after an object member", p)
		}
	}
}

// elements reads an array, calling element for each; it returns how many.
func (s *stateScanner) elements(depth int, element func() error) (int, error) {
	if depth > maxStateDepth {
		return 0, s.fail("nested deeper than %d", maxStateDepth)
	}
	if err := s.expect('['); err != nil {
		return 0, err
	}
	if p, err := s.peek(); err == nil && p == ']' {
		s.readByte()
		return 0, nil
	}
	n := 0
	for {
		if err := element(); err != nil {
			return n, err
		}
		n++
		p, err := s.peek()
		if err == io.EOF {
			return n, s.fail("the document ends inside an array")
		}
		if err != nil {
			return n, err
		}
		s.readByte()
		switch p {
		case ']':
			return n, nil
		case ',':
		default:
			return n, s.fail("%q after an array element", p)
		}
	}
}

// isNull reads a null if one comes next.
func (s *stateScanner) isNull() (bool, error) {
	p, err := s.peek()
	if err != nil && err != io.EOF {
		return false, err
	}
	if p != 'n' {
		return false, nil
	}
	_, err = s.literal()
	return err == nil, err
}

// document reads the whole state.
func (s *stateScanner) document() (StateMeta, error) {
	var (
		m       StateMeta
		version *int64
		serial  *int64
	)
	integer := func(name string) (*int64, error) {
		if null, err := s.isNull(); null || err != nil {
			return nil, err
		}
		p, _ := s.peek()
		if p != '-' && (p < '0' || p > '9') {
			return nil, s.fail("%q is not a number", name)
		}
		t, err := s.number()
		if err != nil {
			return nil, err
		}
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return nil, s.fail("%q is %s, not a whole number", name, t)
		}
		return &n, nil
	}
	err := s.members(1, func(name string) error {
		var err error
		switch name {
		case "version":
			version, err = integer(name)
		case "serial":
			serial, err = integer(name)
		case "lineage":
			if null, err := s.isNull(); null || err != nil {
				return err
			}
			if m.Lineage, err = s.str(true); err == errLongString {
				err = s.fail("the lineage is longer than %d bytes", maxStateToken)
			}
		case "resources":
			if null, err := s.isNull(); null || err != nil {
				return err
			}
			m.Resources = 0
			_, err = s.elements(2, func() error { return s.resource(&m) })
		default:
			err = s.skip(1)
		}
		return err
	})
	if err != nil {
		return StateMeta{}, err
	}
	if _, err := s.peek(); err != io.EOF {
		if err != nil {
			return StateMeta{}, err
		}
		return StateMeta{}, s.fail("data after the state's object")
	}
	switch {
	case version == nil:
		return StateMeta{}, fmt.Errorf("%w: not a terraform state: no \"version\"", ErrInvalidState)
	case *version != 4:
		return StateMeta{}, fmt.Errorf("%w: state format version %d: only version 4 (terraform 0.12 and later) is kept", ErrInvalidState, *version)
	case serial == nil || *serial < 0:
		return StateMeta{}, fmt.Errorf("%w: the state has no valid \"serial\"", ErrInvalidState)
	case m.Lineage == "":
		return StateMeta{}, fmt.Errorf("%w: the state has no \"lineage\"", ErrInvalidState)
	}
	m.Serial = *serial
	return m, nil
}

// resource reads one element of "resources", counting its instances when
// its mode is "managed".
func (s *stateScanner) resource(m *StateMeta) error {
	if p, err := s.peek(); err == nil && p != '{' {
		return s.fail("a resource is not an object")
	}
	var mode string
	instances := 0
	err := s.members(3, func(name string) error {
		switch name {
		case "mode":
			if p, err := s.peek(); err == nil && p == '"' {
				var err error
				mode, err = s.str(true)
				if err == errLongString {
					return nil // no mode terraform writes
				}
				return err
			}
		case "instances":
			if null, err := s.isNull(); null || err != nil {
				return err
			}
			var err error
			instances, err = s.elements(4, func() error { return s.skip(4) })
			return err
		}
		return s.skip(3)
	})
	if mode == "managed" {
		m.Resources += instances
	}
	return err
}
