package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Claim takes the oldest queued release of an environment that has no
// release in progress or waiting for approval, moves it to IN_PROGRESS under
// a lease held by owner, and returns it; nil when there is nothing to do.
// Any number of workers may call it at once: FOR UPDATE SKIP LOCKED hands
// each candidate to one of them, and the one-active-per-environment index
// turns away the rest.
func (s *Store) Claim(ctx context.Context, owner string, lease time.Duration) (*release.Release, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `
		WITH candidate AS (
			SELECT r.id FROM releases r
			WHERE r.status = 'QUEUED'
			  AND r.id = (SELECT min(q.id) FROM releases q WHERE q.environment_id = r.environment_id AND q.status = 'QUEUED')
			  AND NOT EXISTS (SELECT 1 FROM releases a WHERE a.environment_id = r.environment_id
			                  AND a.status IN ('IN_PROGRESS', 'PENDING_APPROVAL'))
			ORDER BY r.id
			LIMIT 1
			FOR UPDATE SKIP LOCKED
		)
		UPDATE releases r SET status = 'IN_PROGRESS', started_at = coalesce(r.started_at, now()),
			lease_owner = $1, lease_expires_at = now() + $2::interval
		FROM candidate WHERE r.id = candidate.id AND r.status = 'QUEUED'
		RETURNING r.id`, owner, lease.String()).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) || isUniqueViolation(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claiming a release: %w", err)
	}
	s.notifyRelease(ctx, id)
	return s.GetRelease(ctx, id)
}

// Heartbeat extends owner's lease on a release; false means the lease is
// no longer owner's (it expired and the release was stopped).
func (s *Store) Heartbeat(ctx context.Context, id int64, owner string, lease time.Duration) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE releases SET lease_expires_at = now() + $3::interval
		WHERE id = $1 AND lease_owner = $2 AND status = 'IN_PROGRESS'`, id, owner, lease.String())
	if err != nil {
		return false, fmt.Errorf("renewing the lease on release %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ReapExpired stops every release whose worker's lease ran out (the worker
// died or lost the database), freeing its environment.
func (s *Store) ReapExpired(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE releases SET status = 'STOPPED', finished_at = now(),
				error_log = CASE WHEN error_log = '' THEN '' ELSE error_log || E'\n' END ||
					format('release stopped: worker %s stopped renewing its lease (expired %s)', lease_owner, lease_expires_at),
				lease_owner = NULL, lease_expires_at = NULL
			WHERE status = 'IN_PROGRESS' AND lease_expires_at < now() RETURNING id`)
		if err != nil {
			return err
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE release_phases SET status = 'STOPPED', finished_at = now(),
				duration_ms = (extract(epoch FROM now() - started_at) * 1000)::bigint
			WHERE release_id = ANY($1) AND status = 'IN_PROGRESS'`, ids)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE release_phases SET status = 'SKIPPED' WHERE release_id = ANY($1) AND status = 'PENDING'`, ids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("stopping releases with expired leases: %w", err)
	}
	for _, id := range ids {
		s.notifyRelease(ctx, id)
	}
	return ids, nil
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
		switch r.Status {
		case release.StatusQueued, release.StatusPendingApproval:
			reason := fmt.Sprintf("aborted by %s", by)
			if comment != "" {
				reason += ": " + comment
			}
			err := s.Transition(ctx, StatusChange{ID: id, From: r.Status, To: release.StatusAborted, Reason: reason})
			var ce *StatusConflictError
			if errors.As(err, &ce) {
				continue // it moved meanwhile: look again
			}
			if err == nil {
				s.pool.Exec(ctx, `UPDATE release_phases SET status = 'SKIPPED' WHERE release_id = $1 AND status IN ('PENDING', 'PENDING_APPROVAL')`, id)
				s.pool.Exec(ctx, `UPDATE releases SET abort_requested_by = $2, abort_requested_at = now() WHERE id = $1`, id, by)
				s.notifyRelease(ctx, id)
			}
			return r.Status, err
		case release.StatusInProgress:
			tag, err := s.pool.Exec(ctx, `UPDATE releases SET abort_requested_by = $2, abort_requested_at = now(),
					error_log = CASE WHEN error_log = '' THEN '' ELSE error_log || E'\n' END || $3
				WHERE id = $1 AND status = 'IN_PROGRESS' AND abort_requested_at IS NULL`, id, by, abortReason(by, comment))
			if err != nil {
				return "", fmt.Errorf("requesting abort of release %d: %w", id, err)
			}
			if tag.RowsAffected() == 0 {
				continue
			}
			s.notifyRelease(ctx, id)
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

func (s *Store) notifyRelease(ctx context.Context, id int64) {
	if _, err := s.pool.Exec(ctx, "SELECT pg_notify($1, $2)", ReleaseChannel, fmt.Sprint(id)); err != nil {
		s.log.Warn("announcing a release change", "release", id, "error", err)
	}
}
