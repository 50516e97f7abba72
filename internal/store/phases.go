package store

import (
	"context"
	"fmt"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// StartPhase marks a phase IN_PROGRESS and stamps its start, unless the
// release's abort is recorded: then nothing changes and the error wraps
// ErrAbortRequested. The release's row is read FOR SHARE, so an abort
// recorded at the same moment is either seen here or comes after the start
// (and the running phase is interrupted): a phase never starts after its
// release's abort was recorded. ErrNotFound: no such phase.
func (s *Store) StartPhase(ctx context.Context, releaseID int64, idx int) error {
	var aborted *bool
	err := s.pool.QueryRow(ctx, `WITH rel AS (
			SELECT abort_requested_at IS NOT NULL AS aborted FROM releases WHERE id = $1 FOR SHARE
		), started AS (
			UPDATE release_phases SET status = 'IN_PROGRESS', started_at = now(), finished_at = NULL, duration_ms = NULL, error = ''
			WHERE release_id = $1 AND idx = $2 AND (SELECT NOT aborted FROM rel)
			RETURNING 1
		)
		SELECT CASE WHEN EXISTS (SELECT 1 FROM started) THEN false
			WHEN EXISTS (SELECT 1 FROM release_phases WHERE release_id = $1 AND idx = $2) THEN (SELECT aborted FROM rel) END`,
		releaseID, idx).Scan(&aborted)
	switch {
	case err != nil:
	case aborted == nil:
		err = ErrNotFound
	case *aborted:
		err = ErrAbortRequested
	}
	if err != nil {
		return fmt.Errorf("starting phase %d of release %d: %w", idx, releaseID, err)
	}
	return nil
}

// FinishPhase records how a phase ended and how long it took.
func (s *Store) FinishPhase(ctx context.Context, releaseID int64, idx int, status release.PhaseStatus, errText string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE release_phases SET status = $3, finished_at = now(),
			duration_ms = CASE WHEN started_at IS NULL THEN NULL ELSE (extract(epoch FROM now() - started_at) * 1000)::bigint END,
			error = $4
		WHERE release_id = $1 AND idx = $2`, releaseID, idx, string(status), errText)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("finishing phase %d of release %d: %w", idx, releaseID, err)
	}
	return nil
}

// SetPhaseStatus changes a phase's status without touching its times (for
// PENDING_APPROVAL and SKIPPED).
func (s *Store) SetPhaseStatus(ctx context.Context, releaseID int64, idx int, status release.PhaseStatus) error {
	_, err := s.pool.Exec(ctx, `UPDATE release_phases SET status = $3 WHERE release_id = $1 AND idx = $2`, releaseID, idx, string(status))
	if err != nil {
		return fmt.Errorf("phase %d of release %d: %w", idx, releaseID, err)
	}
	return nil
}

// NextPhase is where a worker (re)starts a release.
func (s *Store) NextPhase(ctx context.Context, releaseID int64) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT next_phase FROM releases WHERE id = $1`, releaseID).Scan(&n); err != nil {
		return 0, fmt.Errorf("release %d: %w", releaseID, err)
	}
	return n, nil
}

// endPhases ends the phases of releases ids that had not ended, as their
// move to final status final requires (release.Status.RunningPhaseEnd): a
// running phase gets final's phase status, its finish time and duration; a
// phase that never started is SKIPPED. It runs in the transaction of the
// move.
func endPhases(ctx context.Context, q Querier, ids []int64, final release.Status) error {
	running, ok := final.RunningPhaseEnd()
	if !ok {
		return fmt.Errorf("releases %v: ending phases: %s is not a final status", ids, final)
	}
	unstarted := make([]string, len(release.Unstarted))
	for i, p := range release.Unstarted {
		unstarted[i] = string(p)
	}
	if _, err := q.Exec(ctx, `UPDATE release_phases SET status = $2, finished_at = now(),
			duration_ms = CASE WHEN started_at IS NULL THEN NULL ELSE (extract(epoch FROM now() - started_at) * 1000)::bigint END
		WHERE release_id = ANY($1) AND status = $3`, ids, string(running), string(release.PhaseInProgress)); err != nil {
		return fmt.Errorf("releases %v: ending running phases as %s: %w", ids, running, err)
	}
	if _, err := q.Exec(ctx, `UPDATE release_phases SET status = $2
		WHERE release_id = ANY($1) AND status = ANY($3)`, ids, string(release.PhaseSkipped), unstarted); err != nil {
		return fmt.Errorf("releases %v: skipping phases that had not started: %w", ids, err)
	}
	return nil
}
