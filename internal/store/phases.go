package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// StartPhase marks a phase IN_PROGRESS and stamps its start.
func (s *Store) StartPhase(ctx context.Context, releaseID int64, idx int) error {
	tag, err := s.pool.Exec(ctx, `UPDATE release_phases SET status = 'IN_PROGRESS', started_at = now(), finished_at = NULL, duration_ms = NULL, error = ''
		WHERE release_id = $1 AND idx = $2`, releaseID, idx)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("starting phase %d of release %d: %w", idx, releaseID, err)
	}
	s.notifyRelease(ctx, releaseID)
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
	s.notifyRelease(ctx, releaseID)
	return nil
}

// SetPhaseStatus changes a phase's status without touching its times (for
// PENDING_APPROVAL and SKIPPED).
func (s *Store) SetPhaseStatus(ctx context.Context, releaseID int64, idx int, status release.PhaseStatus) error {
	_, err := s.pool.Exec(ctx, `UPDATE release_phases SET status = $3 WHERE release_id = $1 AND idx = $2`, releaseID, idx, string(status))
	if err != nil {
		return fmt.Errorf("phase %d of release %d: %w", idx, releaseID, err)
	}
	s.notifyRelease(ctx, releaseID)
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

// SavePlanFile stores a phase's binary plan and returns its SHA-256.
func (s *Store) SavePlanFile(ctx context.Context, releaseID int64, phase string, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	_, err := s.pool.Exec(ctx, `INSERT INTO plan_files (release_id, phase, data, sha256) VALUES ($1, $2, $3, $4)
		ON CONFLICT (release_id, phase) DO UPDATE SET data = EXCLUDED.data, sha256 = EXCLUDED.sha256, created_at = now()`,
		releaseID, phase, data, hexSum)
	if err != nil {
		return "", fmt.Errorf("saving the plan file of release %d phase %s: %w", releaseID, phase, err)
	}
	return hexSum, nil
}

// PlanFile returns the newest plan file of a release (from the phase named,
// or any phase if phase is "") after checking it against its checksum.
func (s *Store) PlanFile(ctx context.Context, releaseID int64, phase string) (data []byte, sum, from string, err error) {
	err = s.pool.QueryRow(ctx, `SELECT data, sha256, phase FROM plan_files WHERE release_id = $1 AND ($2 = '' OR phase = $2)
		ORDER BY created_at DESC LIMIT 1`, releaseID, phase).Scan(&data, &sum, &from)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", "", fmt.Errorf("release %d has no saved plan: %w", releaseID, ErrNotFound)
	}
	if err != nil {
		return nil, "", "", fmt.Errorf("reading the plan file of release %d: %w", releaseID, err)
	}
	got := sha256.Sum256(data)
	if hex.EncodeToString(got[:]) != sum {
		return nil, "", "", fmt.Errorf("the saved plan of release %d (phase %s) does not match its checksum %s: refusing to apply it", releaseID, from, sum)
	}
	return data, sum, from, nil
}
