package store

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// This file is the one place the database's errors become the store's.

// ErrNotFound is wrapped by every lookup that finds nothing.
var ErrNotFound = errors.New("not found")

// ErrConflict is wrapped when a write loses a compare-and-set or breaks a
// uniqueness rule.
var ErrConflict = errors.New("conflict")

// ErrAbortRequested is wrapped by StartPhase when the release's abort was
// recorded before the phase could start: the phase never starts.
var ErrAbortRequested = errors.New("abort requested")

// ErrInvalid is wrapped when the database cannot read a value as its
// column's type (SQLSTATE 22P02, invalid text representation) or cannot hold
// a character of it (22021, 22P05: U+0000).
var ErrInvalid = errors.New("invalid")

// PostgreSQL error codes the store translates (Appendix A of the
// PostgreSQL manual).
const (
	codeUniqueViolation = "23505"
	codeInvalidText     = "22P02"
	// text the database cannot hold (U+0000 in text or jsonb)
	codeNotInRepertoire = "22021"
	codeUntranslatable  = "22P05"
)

// dbErr says what a database error means for one statement.
type dbErr struct {
	// Missing names what no row means is missing ("release 7"): the error
	// is then "<Missing>: not found", wrapping ErrNotFound. Empty: no row
	// is not translated.
	Missing string
	// Duplicate says what a unique violation means ("environment "x"
	// already exists"): the error is then "<Duplicate>: conflict", wrapping
	// ErrConflict. Empty: not translated.
	Duplicate string
	// Doing says what failed ("reading release 7"); every other error is
	// "<Doing>: <err>" (invalid text also wraps ErrInvalid). Empty: err as is.
	Doing string
}

// of translates err (nil stays nil).
func (d dbErr) of(err error) error {
	switch {
	case err == nil:
		return nil
	case d.Missing != "" && errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%s: %w", d.Missing, ErrNotFound)
	case d.Duplicate != "" && isUniqueViolation(err):
		return fmt.Errorf("%s: %w", d.Duplicate, ErrConflict)
	case isInvalidText(err):
		return fmt.Errorf("%s: %w: %w", d.Doing, ErrInvalid, err)
	case d.Doing == "":
		return err
	}
	return fmt.Errorf("%s: %w", d.Doing, err)
}

// isNoRows reports whether a query that wants one row found none.
func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// isUniqueViolation reports whether a write broke a unique index.
func isUniqueViolation(err error) bool { return pgCode(err) == codeUniqueViolation }

// isInvalidText reports whether the database could not read a value as its
// column's type.
func isInvalidText(err error) bool {
	switch pgCode(err) {
	case codeInvalidText, codeNotInRepertoire, codeUntranslatable:
		return true
	}
	return false
}

func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}
