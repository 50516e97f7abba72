package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file records a person's verdict on a finished release.

// SignOffError says why a release cannot be signed off.
type SignOffError struct {
	ID     int64
	Status release.Status
	// By and At are set when the release was already signed off.
	By string
	At *time.Time
}

func (e *SignOffError) Error() string {
	if e.At != nil {
		return fmt.Sprintf("release %d was already signed off by %s at %s", e.ID, e.By, e.At.Format(time.RFC3339))
	}
	return fmt.Sprintf("release %d is %s: only a finished release can be signed off", e.ID, e.Status)
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *SignOffError) Unwrap() error { return ErrConflict }

// SignOff records a person's verdict on a finished release, once: a
// release that is not finished, or was already signed off, gets a
// *SignOffError.
func (s *Store) SignOff(ctx context.Context, id int64, status release.SignOffStatus, by, comment string) error {
	if status != release.SignOffApproved && status != release.SignOffRejected {
		return fmt.Errorf("sign-off status %q: want APPROVED or REJECTED", status)
	}
	if by == "" {
		return errors.New("a sign-off needs the name of who signs")
	}
	terminal := terminalStatuses()
	tag, err := s.pool.Exec(ctx, `UPDATE releases SET signoff_status = $2, signoff_by = $3, signoff_at = now(), signoff_comment = $4
		WHERE id = $1 AND status = ANY($5) AND signoff_status IS NULL`, id, string(status), by, comment, terminal)
	if err != nil {
		return fmt.Errorf("signing off release %d: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var cur string
	var signedBy *string
	var signedAt *time.Time
	err = s.pool.QueryRow(ctx, `SELECT status, signoff_by, signoff_at FROM releases WHERE id = $1`, id).Scan(&cur, &signedBy, &signedAt)
	if err != nil {
		return dbErr{Missing: fmt.Sprintf("release %d", id), Doing: fmt.Sprintf("signing off release %d", id)}.of(err)
	}
	e := &SignOffError{ID: id, Status: release.Status(cur)}
	if signedAt != nil {
		e.By, e.At = deref(signedBy), signedAt
	}
	return e
}
