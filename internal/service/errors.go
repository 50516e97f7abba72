package service

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// Kind is what went wrong with a use case, for its caller to answer with
// (the API maps each to one HTTP status in one place, api/errors.go).
type Kind int

const (
	// Invalid input: Error.Field names the field at fault, if one is.
	Invalid Kind = iota + 1
	// NotFound: what the use case acts on does not exist.
	NotFound
	// Conflict: it exists but is not in a state that allows the use case.
	Conflict
	// Forbidden: the caller does not hold the role the use case needs on
	// the environment it acts on (Caller.Authorize).
	Forbidden
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not found"
	case Conflict:
		return "conflict"
	case Forbidden:
		return "forbidden"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is a use case's typed failure. Any other error a use case returns
// is unexpected (the database went away, ...).
type Error struct {
	Kind    Kind
	Field   string // for Invalid: the input field at fault, or ""
	Message string
	Err     error // what it was made from, if anything
}

func (e *Error) Error() string { return e.Message }

// Unwrap gives what the error was made from.
func (e *Error) Unwrap() error { return e.Err }

func invalid(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) *Error {
	return &Error{Kind: Conflict, Message: fmt.Sprintf(format, args...)}
}

// typed turns the store's sentinel errors into an *Error of their kind;
// other errors (and nil) pass unchanged.
func typed(err error) error {
	var e *Error
	switch {
	case err == nil || errors.As(err, &e):
		return err
	case errors.Is(err, store.ErrNotFound):
		return &Error{Kind: NotFound, Message: err.Error(), Err: err}
	case errors.Is(err, store.ErrConflict):
		// the kind says "conflict" already (409): the message says why
		return &Error{Kind: Conflict, Message: strings.TrimSuffix(err.Error(), ": "+store.ErrConflict.Error()), Err: err}
	case errors.Is(err, store.ErrInvalid):
		return &Error{Kind: Invalid, Message: err.Error(), Err: err}
	}
	return err
}
