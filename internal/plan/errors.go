package plan

import (
	"errors"
	"fmt"
)

// Error kinds. Every error the Reader returns for bad input is an *Error
// whose Unwrap gives one of these, so callers can test with errors.Is.
var (
	// ErrSyntax: the input is not well-formed JSON.
	ErrSyntax = errors.New("invalid JSON")
	// ErrNotPlan: well-formed JSON that is not a Terraform plan (a state,
	// another document, a value of the wrong type).
	ErrNotPlan = errors.New("not a terraform plan")
	// ErrUnsupportedVersion: a plan in a format_version this package does
	// not read (it reads 0.1 up to 1.x).
	ErrUnsupportedVersion = errors.New("unsupported plan format version")
	// ErrTooDeep: JSON nested deeper than the configured limit.
	ErrTooDeep = errors.New("JSON nested too deeply")
	// ErrTooLarge: one change, one string or the whole input is larger than
	// the configured limit.
	ErrTooLarge = errors.New("plan too large")
	// ErrRead: the underlying reader failed; the *Error also wraps that
	// reader's error.
	ErrRead = errors.New("read failed")
)

// ErrReread is what Next of a Reader from OpenOnce returns, once, instead
// of io.EOF when the plan marked a text sensitive after changes that may
// hold an unmarked copy of it were returned: those changes are void, and
// Next returns every change again from the first, fully masked. Its
// Reread method lets a consumer that does not import this package (the
// store) recognize it.
var ErrReread error = rereadError{}

type rereadError struct{}

func (rereadError) Error() string {
	return "plan: a value is marked sensitive after changes that may show it were read: read every change again"
}

// Reread reports that the changes read so far are to be dropped and read
// again.
func (rereadError) Reread() bool { return true }

// Error is a problem with the plan input at a byte offset. Its message
// never quotes a value from the plan body (which may be secret): it names
// the token kind or the key instead.
type Error struct {
	Kind   error  // one of the Err* kinds above
	Offset int64  // byte offset in the input where the problem was found
	Msg    string // what is wrong
	Err    error  // underlying error (for ErrRead), or nil
}

func (e *Error) Error() string {
	s := fmt.Sprintf("plan: %s: %s at byte offset %d", e.Kind, e.Msg, e.Offset)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the error kind and, for read errors, the reader's error.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// Offset returns the byte offset of a plan input error, or -1 when err is
// not (or does not wrap) an *Error.
func Offset(err error) int64 {
	var e *Error
	if errors.As(err, &e) {
		return e.Offset
	}
	return -1
}

// describeByte names an unexpected input byte for an error message. Letters
// and digits are not quoted, since they may be the start of a secret written
// without quotes; punctuation is.
func describeByte(c byte) string {
	switch {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return "a letter"
	case c >= '0' && c <= '9':
		return "a digit"
	case c < 0x20:
		return fmt.Sprintf("control character 0x%02x", c)
	case c >= 0x80:
		return "a non-ASCII byte"
	}
	return fmt.Sprintf("%q", rune(c))
}

// quoteShort quotes a header string (format_version and the like, which are
// never secret) for an error message, cutting it short.
func quoteShort(s string) string {
	const max = 32
	if len(s) > max {
		return fmt.Sprintf("%q…", s[:max])
	}
	return fmt.Sprintf("%q", s)
}
