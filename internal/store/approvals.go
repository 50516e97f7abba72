package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Approve moves a release waiting for approval back to QUEUED, recording
// who approved it, when, and why. A release in any other status gets a
// *StatusConflictError naming the status it is in.
func (s *Store) Approve(ctx context.Context, id int64, by, comment string) error {
	if by == "" {
		return errors.New("an approval needs the approver's name")
	}
	if err := transition(ctx, s.pool, StatusChange{ID: id, From: release.StatusPendingApproval, To: release.StatusQueued,
		ApprovedBy: by, ApprovalComment: comment}); err != nil {
		return err
	}
	s.notifyRelease(ctx, id)
	return nil
}

// Reject ends a release waiting for approval as REJECTED, recording who
// decided, when and why in its approval (approval.by is whoever decided
// either way) and in its error log; its phases that had not run are
// SKIPPED. A release in any other status gets a *StatusConflictError.
func (s *Store) Reject(ctx context.Context, id int64, by, comment string) error {
	if by == "" {
		return errors.New("a rejection needs the rejecter's name")
	}
	reason := "rejected by " + by
	if comment != "" {
		reason += ": " + comment
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := transition(ctx, tx, StatusChange{ID: id, From: release.StatusPendingApproval, To: release.StatusRejected,
			Reason: reason, ApprovedBy: by, ApprovalComment: comment}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE release_phases SET status = 'SKIPPED'
			WHERE release_id = $1 AND status IN ('PENDING', 'PENDING_APPROVAL')`, id); err != nil {
			return fmt.Errorf("release %d: skipping phases after rejection: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.notifyRelease(ctx, id)
	return nil
}

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
		s.notifyRelease(ctx, id)
		return nil
	}
	var cur string
	var signedBy *string
	var signedAt *time.Time
	err = s.pool.QueryRow(ctx, `SELECT status, signoff_by, signoff_at FROM releases WHERE id = $1`, id).Scan(&cur, &signedBy, &signedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("release %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("signing off release %d: %w", id, err)
	}
	e := &SignOffError{ID: id, Status: release.Status(cur)}
	if signedAt != nil {
		e.By, e.At = deref(signedBy), signedAt
	}
	return e
}

func terminalStatuses() []string {
	var out []string
	for _, st := range release.Statuses {
		if st.Terminal() {
			out = append(out, string(st))
		}
	}
	return out
}

// ReleaseStatus returns just a release's status: the cheap check a log
// stream makes to know whether more lines can come.
func (s *Store) ReleaseStatus(ctx context.Context, id int64) (release.Status, error) {
	var st string
	err := s.pool.QueryRow(ctx, `SELECT status FROM releases WHERE id = $1`, id).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("release %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("reading the status of release %d: %w", id, err)
	}
	return release.ParseStatus(st)
}

// CountReleasesByStatus counts the stored releases in each status (every
// status is present, zero or not).
func (s *Store) CountReleasesByStatus(ctx context.Context) (map[release.Status]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT status, count(*) FROM releases GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("counting releases: %w", err)
	}
	defer rows.Close()
	out := make(map[release.Status]int64, len(release.Statuses))
	for _, st := range release.Statuses {
		out[st] = 0
	}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("counting releases: %w", err)
		}
		out[release.Status(st)] = n
	}
	return out, rows.Err()
}

// AnnounceRelease tells listeners on ReleaseChannel that a release
// changed, for changes that do not announce themselves (a plan ingested
// into a finished release changes its summary).
func (s *Store) AnnounceRelease(ctx context.Context, id int64) { s.notifyRelease(ctx, id) }
