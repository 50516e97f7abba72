package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file is the work queue: claiming a queued release under a lease,
// renewing the lease, and stopping releases whose lease ran out.

// Claim takes the oldest queued release of an environment that is not
// paused, is inside one of its maintenance windows (if it has any) and has
// no release in progress or waiting for approval, moves it to IN_PROGRESS under
// a lease held by owner, and returns it; nil when there is nothing to do.
// Any number of workers may call it at once: FOR UPDATE SKIP LOCKED hands
// each candidate to one of them, and the one-active-per-environment index
// turns away the rest. A candidate whose abort is already recorded (asked
// while it ran, not honoured before it parked and was approved) is never
// started: the same statement moves it to ABORTED instead, its phases are
// skipped, and Claim looks for the next one.
func (s *Store) Claim(ctx context.Context, owner string, lease time.Duration) (*release.Release, error) {
	return s.ClaimLimited(ctx, owner, lease, 0)
}

// claimLock is the advisory lock that serializes limited claims, so two
// workers never both see room for one more running release.
const claimLock = 0x736869706c6f67 // "shiplog"

// ClaimLimited is Claim under an installation-wide limit: with maxRunning
// > 0 it claims nothing while maxRunning releases are IN_PROGRESS (every
// worker's, counted in the database; waiting for approval does not count).
// It claims only releases of environments whose runner is the worker
// pool (release.RunnerWorker).
func (s *Store) ClaimLimited(ctx context.Context, owner string, lease time.Duration, maxRunning int) (*release.Release, error) {
	return s.claim(ctx, owner, lease, maxRunning, release.RunnerWorker, nil)
}

// ClaimForJob is ClaimLimited for the Kubernetes controller's runner Jobs:
// it claims only releases of environments whose runner is release.RunnerJob
// and, when namespaces is not empty, whose namespace is one of them. owner
// names the Job that will run the release (its pod renews the lease).
func (s *Store) ClaimForJob(ctx context.Context, owner string, lease time.Duration, maxRunning int, namespaces []string) (*release.Release, error) {
	return s.claim(ctx, owner, lease, maxRunning, release.RunnerJob, namespaces)
}

func (s *Store) claim(ctx context.Context, owner string, lease time.Duration, maxRunning int, runner release.Runner, namespaces []string) (*release.Release, error) {
	if namespaces == nil {
		namespaces = []string{} // any namespace
	}
	if err := release.Transition(release.StatusQueued, release.StatusInProgress); err != nil {
		return nil, err
	}
	if err := release.Transition(release.StatusQueued, release.StatusAborted); err != nil {
		return nil, err
	}
	for {
		var id int64
		var status release.Status
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			if maxRunning > 0 {
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, claimLock); err != nil {
					return err
				}
				var running int
				err := tx.QueryRow(ctx, `SELECT count(*) FROM releases WHERE status = '`+string(release.StatusInProgress)+`'`).Scan(&running)
				if err != nil {
					return err
				}
				if running >= maxRunning {
					return pgx.ErrNoRows // room for none
				}
			}
			now := time.Now()
			if c := s.leaseClock(); c != nil {
				now = *c
			}
			closed, err := s.closedEnvironments(ctx, tx, now)
			if err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, claimSQL, owner, lease.String(), s.leaseClock(), closed, string(runner), namespaces).Scan(&id, &status); err != nil {
				return err
			}
			if status != release.StatusAborted {
				return nil
			}
			if err := endPhases(ctx, tx, []int64{id}, release.StatusAborted); err != nil {
				return err
			}
			return settleResources(ctx, tx, id)
		})
		if isNoRows(err) || isUniqueViolation(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("claiming a release: %w", err)
		}
		if status == release.StatusAborted {
			continue // never started; look for the next one
		}
		return s.GetRelease(ctx, id)
	}
}

// claimSQL is Claim's compare-and-set, QUEUED -> IN_PROGRESS, or QUEUED ->
// ABORTED for a release whose abort is already recorded (decided in the
// same statement, so no abort recorded before the claim is missed); $5 is
// the runner whose releases are claimed, $6 the namespaces (empty: any). The
// statuses are literals (the partial index releases_queued must match
// them), made from the domain's constants.
const claimSQL = `
		WITH candidate AS (
			SELECT r.id FROM releases r
			WHERE r.status = '` + string(release.StatusQueued) + `'
			  AND r.id = (SELECT min(q.id) FROM releases q WHERE q.environment_id = r.environment_id AND q.status = '` + string(release.StatusQueued) + `')
			  AND NOT EXISTS (SELECT 1 FROM releases a WHERE a.environment_id = r.environment_id
			                  AND a.status IN ('` + string(release.StatusInProgress) + `', '` + string(release.StatusPendingApproval) + `'))
			  AND EXISTS (SELECT 1 FROM environments e WHERE e.id = r.environment_id AND e.paused_at IS NULL
			              AND e.runner = $5 AND (cardinality($6::text[]) = 0 OR e.namespace = ANY ($6::text[])))
			  AND r.environment_id <> ALL ($4::bigint[])
			ORDER BY r.id
			LIMIT 1
			FOR UPDATE SKIP LOCKED
		)
		UPDATE releases r SET
			status = CASE WHEN r.abort_requested_at IS NULL THEN '` + string(release.StatusInProgress) + `' ELSE '` + string(release.StatusAborted) + `' END,
			started_at = CASE WHEN r.abort_requested_at IS NULL THEN coalesce(r.started_at, now()) ELSE r.started_at END,
			finished_at = CASE WHEN r.abort_requested_at IS NULL THEN r.finished_at ELSE now() END,
			error_log = CASE WHEN r.abort_requested_at IS NULL OR r.error_log <> '' THEN r.error_log
				ELSE format('aborted by %s before a worker started it', r.abort_requested_by) END,
			lease_owner = CASE WHEN r.abort_requested_at IS NULL THEN $1 END,
			lease_expires_at = CASE WHEN r.abort_requested_at IS NULL THEN coalesce($3::timestamptz, now()) + $2::interval END
		FROM candidate WHERE r.id = candidate.id AND r.status = '` + string(release.StatusQueued) + `'
		RETURNING r.id, r.status`

// reapSQL is ReapExpired's compare-and-set, IN_PROGRESS -> STOPPED, for
// every release whose lease ran out.
const reapSQL = `UPDATE releases SET status = '` + string(release.StatusStopped) + `', finished_at = now(),
				error_log = CASE WHEN error_log = '' THEN '' ELSE error_log || E'\n' END ||
					format('release stopped: worker %s stopped renewing its lease (expired %s)', lease_owner, lease_expires_at),
				lease_owner = NULL, lease_expires_at = NULL
			WHERE status = '` + string(release.StatusInProgress) + `' AND lease_expires_at < coalesce($1::timestamptz, now()) RETURNING id`

// Heartbeat extends owner's lease on a release; false means the lease is
// no longer owner's (it expired and the release was stopped).
func (s *Store) Heartbeat(ctx context.Context, id int64, owner string, lease time.Duration) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE releases SET lease_expires_at = coalesce($4::timestamptz, now()) + $3::interval
		WHERE id = $1 AND lease_owner = $2 AND status = 'IN_PROGRESS'`, id, owner, lease.String(), s.leaseClock())
	if err != nil {
		return false, fmt.Errorf("renewing the lease on release %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ReapExpired stops every release whose worker's lease ran out (the worker
// died or lost the database), freeing its environment.
func (s *Store) ReapExpired(ctx context.Context) ([]int64, error) {
	if err := release.Transition(release.StatusInProgress, release.StatusStopped); err != nil {
		return nil, err
	}
	var ids []int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, reapSQL, s.leaseClock())
		if err != nil {
			return err
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := endPhases(ctx, tx, ids, release.StatusStopped); err != nil {
			return err
		}
		for _, id := range ids {
			if err := settleResources(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stopping releases with expired leases: %w", err)
	}
	return ids, nil
}

// EndLostRun ends release id, IN_PROGRESS under owner's lease, as status
// (STOPPED or TIMED_OUT) because what ran it is gone: a runner Job's pod
// that was evicted, OOM-killed or passed its deadline. reason goes to the
// error log; the phase that ran and those after it end as the release
// does and its resources are settled, as when a lease runs out. False:
// the release is no longer owner's to end (it ended, parked for approval
// or was reaped), and nothing changed.
func (s *Store) EndLostRun(ctx context.Context, id int64, owner string, status release.Status, reason string) (bool, error) {
	if err := release.Transition(release.StatusInProgress, status); err != nil {
		return false, err
	}
	ended := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE releases SET status = $3, finished_at = now(),
				error_log = CASE WHEN error_log = '' THEN '' ELSE error_log || E'\n' END || $4,
				lease_owner = NULL, lease_expires_at = NULL
			WHERE id = $1 AND lease_owner = $2 AND status = '`+string(release.StatusInProgress)+`'`, id, owner, string(status), reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		ended = true
		if err := endPhases(ctx, tx, []int64{id}, status); err != nil {
			return err
		}
		return settleResources(ctx, tx, id)
	})
	if err != nil {
		return false, fmt.Errorf("ending release %d after its runner was lost: %w", id, err)
	}
	return ended, nil
}
