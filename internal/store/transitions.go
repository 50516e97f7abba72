package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file holds the status compare-and-set every status change goes
// through (checked against internal/release's table first) and the moves
// people make: approve, reject, abort.

// StatusChange is a compare-and-set of a release's status with the fields
// that move with it.
type StatusChange struct {
	ID       int64
	From, To release.Status
	// Reason is appended to the error log when not empty.
	Reason string
	// Lease, for a move to IN_PROGRESS, names the worker and how long its
	// claim lasts without a heartbeat.
	LeaseOwner string
	LeaseFor   time.Duration
	// NextPhase, when set, is where a worker resumes.
	NextPhase *int
	// Approval fields, for approve and reject.
	ApprovedBy, ApprovalComment string
}

// Transition moves a release from c.From to c.To if, and only if, it is
// still in c.From: of two writers racing, exactly one wins and the other
// gets ErrConflict naming the status it found. A move to a final status
// ends the release's unfinished phases (endPhases) and settles its
// resources (settleResources) in the same transaction.
func (s *Store) Transition(ctx context.Context, c StatusChange) error {
	if c.To.Terminal() {
		// its phases end and its resources settle with it
		return s.inTx(ctx, func(tx pgx.Tx) error { return transition(ctx, tx, s.now(), c) })
	}
	return transition(ctx, s.pool, s.now(), c)
}

func transition(ctx context.Context, q Querier, at time.Time, c StatusChange) error {
	if err := release.Transition(c.From, c.To); err != nil {
		return fmt.Errorf("release %d: %w", c.ID, err)
	}
	var leaseUntil *time.Time
	var owner *string
	if c.To == release.StatusInProgress {
		if c.LeaseOwner == "" || c.LeaseFor <= 0 {
			return fmt.Errorf("release %d: moving to IN_PROGRESS needs a lease owner and duration", c.ID)
		}
		t := at.Add(c.LeaseFor)
		leaseUntil, owner = &t, &c.LeaseOwner
	}
	var approvedBy, approvalComment *string
	if c.ApprovedBy != "" {
		approvedBy, approvalComment = &c.ApprovedBy, &c.ApprovalComment
	}
	tag, err := q.Exec(ctx, `UPDATE releases SET
			status = $3,
			started_at = CASE WHEN $3 = 'IN_PROGRESS' THEN coalesce(started_at, now()) ELSE started_at END,
			queued_at = CASE WHEN $3 = 'QUEUED' THEN coalesce(queued_at, now()) ELSE queued_at END, -- the first time: an approval or a lost worker queues again
			finished_at = CASE WHEN $4 THEN now() ELSE finished_at END,
			error_log = CASE WHEN $5 = '' THEN error_log WHEN error_log = '' THEN $5 ELSE error_log || E'\n' || $5 END,
			lease_owner = $6,
			lease_expires_at = $7,
			next_phase = coalesce($8, next_phase),
			approved_by = coalesce($9, approved_by),
			approved_at = CASE WHEN $9::text IS NULL THEN approved_at ELSE now() END,
			approval_comment = coalesce($10, approval_comment)
		WHERE id = $1 AND status = $2`,
		c.ID, c.From, c.To, c.To.Terminal(), c.Reason, owner, leaseUntil, c.NextPhase, approvedBy, approvalComment)
	if err != nil {
		return dbErr{Duplicate: fmt.Sprintf("release %d cannot start: another release of its environment is in progress", c.ID), Doing: fmt.Sprintf("release %d: changing status from %s to %s", c.ID, c.From, c.To)}.of(err)
	}
	if tag.RowsAffected() == 1 {
		if c.To.Terminal() {
			if err := endPhases(ctx, q, []int64{c.ID}, c.To); err != nil {
				return err
			}
			return settleResources(ctx, q, c.ID)
		}
		return nil
	}
	var now string
	err = q.QueryRow(ctx, `SELECT status FROM releases WHERE id = $1`, c.ID).Scan(&now)
	if err != nil {
		return dbErr{Missing: fmt.Sprintf("release %d", c.ID), Doing: fmt.Sprintf("release %d", c.ID)}.of(err)
	}
	return &StatusConflictError{ID: c.ID, Want: c.From, To: c.To, Found: release.Status(now)}
}

// StatusConflictError says a compare-and-set lost: the release was not in
// the status the writer expected.
type StatusConflictError struct {
	ID       int64
	Want, To release.Status
	Found    release.Status
}

func (e *StatusConflictError) Error() string {
	return fmt.Sprintf("release %d is %s, not %s: it cannot move to %s", e.ID, e.Found, e.Want, e.To)
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *StatusConflictError) Unwrap() error { return ErrConflict }

// Approve moves a release waiting for approval back to QUEUED, recording
// who approved it, when, and why. A release in any other status gets a
// *StatusConflictError naming the status it is in.
func (s *Store) Approve(ctx context.Context, id int64, by, comment string) error {
	if by == "" {
		return errors.New("an approval needs the approver's name")
	}
	if err := transition(ctx, s.pool, s.now(), StatusChange{ID: id, From: release.StatusPendingApproval, To: release.StatusQueued,
		ApprovedBy: by, ApprovalComment: comment}); err != nil {
		return err
	}
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
	return s.Transition(ctx, StatusChange{ID: id, From: release.StatusPendingApproval, To: release.StatusRejected,
		Reason: reason, ApprovedBy: by, ApprovalComment: comment})
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

// RequestAbort aborts a release. A queued or pending release ends at once;
// a running one gets a stored abort request that its worker (or any worker
// that picks it up after a restart) honours. It returns the status the
// release had.
func (s *Store) RequestAbort(ctx context.Context, id int64, by, comment string) (release.Status, error) {
	for range 5 {
		r, err := s.GetRelease(ctx, id)
		if err != nil {
			return "", err
		}
		switch r.Status.AbortWay() {
		case release.AbortNow:
			// the status, who asked, the phases and the resources move
			// together
			err := s.inTx(ctx, func(tx pgx.Tx) error {
				if err := transition(ctx, tx, s.now(), StatusChange{ID: id, From: r.Status, To: release.StatusAborted, Reason: abortReason(by, comment)}); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `UPDATE releases SET abort_requested_by = $2, abort_requested_at = now() WHERE id = $1`, id, by); err != nil {
					return fmt.Errorf("release %d: recording who aborted it: %w", id, err)
				}
				return nil
			})
			var ce *StatusConflictError
			if errors.As(err, &ce) {
				continue // it moved meanwhile: look again
			}
			if err != nil {
				return "", err
			}
			return r.Status, nil
		case release.AbortByRequest:
			tag, err := s.pool.Exec(ctx, `UPDATE releases SET abort_requested_by = $2, abort_requested_at = now(),
					error_log = CASE WHEN error_log = '' THEN '' ELSE error_log || E'\n' END || $3
				WHERE id = $1 AND status = 'IN_PROGRESS' AND abort_requested_at IS NULL`, id, by, abortReason(by, comment))
			if err != nil {
				return "", fmt.Errorf("requesting abort of release %d: %w", id, err)
			}
			if tag.RowsAffected() == 0 {
				continue
			}
			return r.Status, nil
		default:
			return r.Status, &StatusConflictError{ID: id, Want: release.StatusInProgress, To: release.StatusAborted, Found: r.Status}
		}
	}
	return "", fmt.Errorf("release %d kept changing status while being aborted: %w", id, ErrConflict)
}

func abortReason(by, comment string) string {
	s := "aborted by " + by
	if comment != "" {
		s += ": " + comment
	}
	return s
}

// AbortRequested reports whether someone asked to abort a release.
func (s *Store) AbortRequested(ctx context.Context, id int64) (bool, error) {
	var at *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT abort_requested_at FROM releases WHERE id = $1`, id).Scan(&at); err != nil {
		return false, fmt.Errorf("release %d: %w", id, err)
	}
	return at != nil, nil
}
