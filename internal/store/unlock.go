package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file holds the SQL of an admin's release of a stuck state lock.

// NotLockedError is an unlock of a state that holds no lock, or not the
// lock asked for (Held names the one it holds then).
type NotLockedError struct {
	Environment string
	LockID      string
	Held        *release.StateLock
}

func (e *NotLockedError) Error() string {
	if e.Held == nil {
		return fmt.Sprintf("the state of environment %s is not locked: there is nothing to unlock", e.Environment)
	}
	return fmt.Sprintf("the state of environment %s is locked by %s (release %d, %s since %s), not by lock %s: give that lock's id to release it",
		e.Environment, e.Held.ID, e.Held.ReleaseID, e.Held.Doing(), e.Held.CreatedAt.UTC().Format(time.RFC3339), e.LockID)
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *NotLockedError) Unwrap() error { return ErrConflict }

// StateLockOf returns the lock held on environment env's state, or nil
// when it is not locked; ErrNotFound for an unknown environment.
func (s *Store) StateLockOf(ctx context.Context, env string) (*release.StateLock, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT id FROM environments WHERE name = $1`, env).Scan(&id); err != nil {
		return nil, dbErr{Missing: fmt.Sprintf("environment %q", env), Doing: fmt.Sprintf("reading environment %q", env)}.of(err)
	}
	held, err := lockHolder(ctx, s.pool, id)
	if err != nil || held == nil {
		return nil, err
	}
	return &held.Holder, nil
}

// LockInUseError is an unlock refused because the release holding the
// lock has not ended: its terraform may still write the state.
type LockInUseError struct {
	Environment string
	Lock        release.StateLock
	Status      release.Status
}

func (e *LockInUseError) Error() string {
	return fmt.Sprintf("lock %s of environment %s is held by release %d, which is %s: its terraform may still write the state, and releasing the lock now can lose what it applies. "+
		"Abort the release (shiplog release abort %d), which releases the lock, or unlock with force when you know its terraform is gone",
		e.Lock.ID, e.Environment, e.Lock.ReleaseID, e.Status, e.Lock.ReleaseID)
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *LockInUseError) Unwrap() error { return ErrConflict }

// ForceUnlockState releases lock lockID of environment env's state and
// records the act as a finished UNLOCK release triggered by by, with the
// lock and reason (Release.Unlock) and a line in its log, in one
// transaction. A state that is not locked, or locked by another lock, is a
// *NotLockedError (nothing changes). A lock whose release has not ended
// is a *LockInUseError unless force: that release goes on, and its next
// state write finds the lock gone.
func (s *Store) ForceUnlockState(ctx context.Context, env, lockID, by, reason string, force bool) (*release.Release, error) {
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var envID int64
		var ns string
		err := tx.QueryRow(ctx, `SELECT id, namespace FROM environments WHERE name = $1 FOR KEY SHARE`, env).Scan(&envID, &ns)
		if err != nil {
			return dbErr{Missing: fmt.Sprintf("environment %q", env), Doing: fmt.Sprintf("reading environment %q", env)}.of(err)
		}
		var lock release.StateLock
		err = tx.QueryRow(ctx, `DELETE FROM state_locks WHERE environment_id = $1 AND lock_id = $2
			RETURNING lock_id, release_id, coalesce(info->>'Operation', ''), created_at`, envID, lockID).
			Scan(&lock.ID, &lock.ReleaseID, &lock.Operation, &lock.CreatedAt)
		if isNoRows(err) {
			held, herr := lockHolder(ctx, tx, envID)
			if herr != nil {
				return herr
			}
			e := &NotLockedError{Environment: env, LockID: lockID}
			if held != nil {
				e.Held = &held.Holder
			}
			return e
		}
		if err != nil {
			return fmt.Errorf("unlocking the state of %s: %w", env, err)
		}
		var holder string
		if err := tx.QueryRow(ctx, `SELECT status FROM releases WHERE id = $1`, lock.ReleaseID).Scan(&holder); err != nil && !isNoRows(err) {
			return fmt.Errorf("reading release %d, which holds the lock: %w", lock.ReleaseID, err)
		}
		if st := release.Status(holder); holder != "" && !st.Terminal() && !force {
			return &LockInUseError{Environment: env, Lock: lock, Status: st} // the DELETE rolls back
		}
		if err := release.Created(release.StatusSucceeded, true); err != nil {
			return err
		}
		unlock, err := json.Marshal(release.StateUnlock{Lock: lock, Reason: reason})
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO releases (environment_id, namespace, template, template_namespace, release_type,
				deployment_type, status, triggered_by, queued_at, started_at, finished_at, blueprint_version, targets, variables,
				migration_scripts, unlocked_lock)
			VALUES ($1, $2, $3, 'shiplog', 'UNLOCK', 'CUSTOM', 'SUCCEEDED', $4, now(), now(), now(), '', '{}', '[]', '[]', $5)
			RETURNING id`, envID, ns, release.UnlockTemplate, by, unlock).Scan(&id)
		if err != nil {
			return fmt.Errorf("recording the unlock of %s: %w", env, err)
		}
		line := fmt.Sprintf("state lock %s of environment %s released by %s: %s. It was held by release %d (%s) since %s.",
			lock.ID, env, by, reason, lock.ReleaseID, lock.Doing(), lock.CreatedAt.UTC().Format(time.RFC3339))
		entry := release.LogEntry{ReleaseID: id, Seq: 1, Time: time.Now().UTC(), Stream: release.System, Text: line, DeploymentType: release.DeploymentCustom}
		if err := tx.SendBatch(ctx, chunkBatch(id, []release.LogEntry{entry})).Close(); err != nil {
			return fmt.Errorf("recording the unlock of %s: %w", env, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.GetRelease(ctx, id)
}
