package plan

import (
	"errors"
	"fmt"
	"io"
)

// readChunk is how much the scanner asks the underlying reader for at once.
const readChunk = 64 << 10

// scanner is a buffered, validating JSON byte scanner over a stream. It
// skips values without materializing them and can keep ("mark") the raw
// bytes of one value so that it can be decoded afterwards. The buffer only
// grows while a mark is set, and never beyond the mark's limit, so memory
// is bounded by the largest kept value, not by the input size.
type scanner struct {
	r    io.Reader
	buf  []byte // buf[:len(buf)] is data read and not yet discarded
	pos  int    // next unread byte in buf
	base int64  // input offset of buf[0]

	eof     bool  // the reader returned io.EOF
	pending error // a read error that came with data, reported on the next fill
	err     error // sticky failure (*Error)

	mark      int    // index in buf of the first byte to keep, or -1
	markLimit int    // how many bytes from mark may be kept
	markSoft  bool   // over the limit, drop the mark instead of failing
	markLost  bool   // a soft mark was dropped
	markWhat  string // what is kept, for the too-large message

	maxDepth int
	maxInput int64 // 0: unlimited

	stack []bool // skipValue's container stack (true: object)
}

func newScanner(r io.Reader, maxDepth int, maxInput int64) *scanner {
	return &scanner{
		r:        r,
		buf:      make([]byte, 0, readChunk),
		mark:     -1,
		maxDepth: maxDepth,
		maxInput: maxInput,
	}
}

// offset is the input offset of the next unread byte.
func (s *scanner) offset() int64 { return s.base + int64(s.pos) }

// fail records err as the scanner's sticky error (if none is set yet) and
// returns the sticky error.
func (s *scanner) fail(err error) error {
	if s.err == nil {
		s.err = err
	}
	return s.err
}

func (s *scanner) errAt(kind error, off int64, format string, args ...any) error {
	return s.fail(&Error{Kind: kind, Offset: off, Msg: fmt.Sprintf(format, args...)})
}

func (s *scanner) syntaxErr(format string, args ...any) error {
	return s.errAt(ErrSyntax, s.offset(), format, args...)
}

// eofErr is the error for input that ends (or fails) in the middle of
// something.
func (s *scanner) eofErr(where string) error {
	if s.err != nil {
		return s.err
	}
	return s.syntaxErr("unexpected end of input %s (truncated file?)", where)
}

// setMark starts keeping input from buffer index i on.
func (s *scanner) setMark(i, limit int, soft bool, what string) {
	s.mark, s.markLimit, s.markSoft, s.markLost, s.markWhat = i, limit, soft, false, what
}

func (s *scanner) clearMark() { s.mark = -1 }

// fill reads more input. It reports whether at least one more byte is
// available at s.pos; false means end of input or failure (s.err).
func (s *scanner) fill() bool {
	if s.err != nil {
		return false
	}
	if s.pending != nil {
		s.fail(&Error{Kind: ErrRead, Offset: s.base + int64(len(s.buf)), Msg: "reading the plan", Err: s.pending})
		return false
	}
	if s.eof {
		return false
	}
	if s.mark >= 0 && len(s.buf)-s.mark > s.markLimit {
		if !s.markSoft {
			s.errAt(ErrTooLarge, s.base+int64(s.mark), "%s is larger than the %d-byte limit", s.markWhat, s.markLimit)
			return false
		}
		s.mark, s.markLost = -1, true
	}
	// Discard what is consumed and not kept.
	keep := len(s.buf)
	if s.mark >= 0 {
		keep = s.mark
	}
	if keep > 0 {
		n := copy(s.buf, s.buf[keep:])
		s.buf = s.buf[:n]
		s.base += int64(keep)
		s.pos -= keep
		if s.mark >= 0 {
			s.mark = 0
		}
	}
	if cap(s.buf)-len(s.buf) < readChunk/2 {
		// Only a kept value makes the buffer grow; bound it by the limit.
		n := max(2*cap(s.buf), len(s.buf)+readChunk)
		if s.mark >= 0 {
			n = min(n, s.markLimit+readChunk+1)
		}
		if n > cap(s.buf) {
			nb := make([]byte, len(s.buf), n)
			copy(nb, s.buf)
			s.buf = nb
		}
	}
	for tries := 0; ; tries++ {
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		if n < 0 || n > cap(s.buf)-len(s.buf) {
			s.fail(&Error{Kind: ErrRead, Offset: s.base + int64(len(s.buf)), Msg: "reading the plan", Err: errors.New("reader returned an invalid count")})
			return false
		}
		s.buf = s.buf[:len(s.buf)+n]
		if s.maxInput > 0 && s.base+int64(len(s.buf)) > s.maxInput {
			s.errAt(ErrTooLarge, s.maxInput, "the input is larger than the %d-byte limit", s.maxInput)
			return false
		}
		switch {
		case err == io.EOF:
			s.eof = true
		case err != nil && n > 0:
			s.pending = err
		case err != nil:
			s.fail(&Error{Kind: ErrRead, Offset: s.base + int64(len(s.buf)), Msg: "reading the plan", Err: err})
			return false
		}
		if n > 0 {
			return true
		}
		if s.eof {
			return false
		}
		if tries >= 100 {
			s.fail(&Error{Kind: ErrRead, Offset: s.base + int64(len(s.buf)), Msg: "reading the plan", Err: io.ErrNoProgress})
			return false
		}
	}
}

// peek returns the next byte without consuming it; ok is false at the end
// of the input or on failure.
func (s *scanner) peek() (c byte, ok bool) {
	if s.pos >= len(s.buf) && !s.fill() {
		return 0, false
	}
	return s.buf[s.pos], true
}

// skipSpace consumes JSON white space.
func (s *scanner) skipSpace() {
	for {
		for s.pos < len(s.buf) {
			switch s.buf[s.pos] {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return
			}
		}
		if !s.fill() {
			return
		}
	}
}

// next skips white space and returns the next byte without consuming it.
func (s *scanner) next(where string) (byte, error) {
	s.skipSpace()
	c, ok := s.peek()
	if !ok {
		return 0, s.eofErr(where)
	}
	return c, nil
}

// expect skips white space and consumes the byte want.
func (s *scanner) expect(want byte, where string) error {
	c, err := s.next(where)
	if err != nil {
		return err
	}
	if c != want {
		return s.syntaxErr("expected %q %s, found %s", want, where, describeByte(c))
	}
	s.pos++
	return nil
}

// atEnd skips white space and reports whether the input ends there.
func (s *scanner) atEnd() (bool, error) {
	s.skipSpace()
	if _, ok := s.peek(); ok {
		return false, nil
	}
	if s.err != nil {
		return false, s.err
	}
	return true, nil
}
