package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/secret"
)

// This file keeps the binary plans phases saved (table plan_files).

// SavePlanFile stores a phase's binary plan sealed (a plan holds variable
// values and the prior state) and returns the SHA-256 of the plan itself.
func (s *Store) SavePlanFile(ctx context.Context, releaseID int64, phase string, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	if s.box == nil {
		return "", fmt.Errorf("saving the plan file of release %d: plans are sealed and no secret key is configured", releaseID)
	}
	sealed, err := s.box.SealBytes(data)
	if err != nil {
		return "", fmt.Errorf("sealing the plan file of release %d: %w", releaseID, err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO plan_files (release_id, phase, data, sha256) VALUES ($1, $2, $3, $4)
		ON CONFLICT (release_id, phase) DO UPDATE SET data = EXCLUDED.data, sha256 = EXCLUDED.sha256, created_at = now()`,
		releaseID, phase, sealed, hexSum)
	if err != nil {
		return "", fmt.Errorf("saving the plan file of release %d phase %s: %w", releaseID, phase, err)
	}
	return hexSum, nil
}

// PlanFile returns the newest plan file of a release (from the phase named,
// or any phase if phase is "") opened and checked against its checksum. A
// plan stored in clear before plans were sealed is read as it is.
func (s *Store) PlanFile(ctx context.Context, releaseID int64, phase string) (data []byte, sum, from string, err error) {
	err = s.pool.QueryRow(ctx, `SELECT data, sha256, phase FROM plan_files WHERE release_id = $1 AND ($2 = '' OR phase = $2)
		ORDER BY created_at DESC LIMIT 1`, releaseID, phase).Scan(&data, &sum, &from)
	if err != nil {
		return nil, "", "", dbErr{Missing: fmt.Sprintf("release %d has no saved plan", releaseID), Doing: fmt.Sprintf("reading the plan file of release %d", releaseID)}.of(err)
	}
	if secret.IsSealedBytes(data) {
		if s.box == nil {
			return nil, "", "", fmt.Errorf("the saved plan of release %d is sealed and no secret key is configured", releaseID)
		}
		if data, err = s.box.OpenBytes(data); err != nil {
			return nil, "", "", fmt.Errorf("the saved plan of release %d: %w", releaseID, err)
		}
	}
	got := sha256.Sum256(data)
	if hex.EncodeToString(got[:]) != sum {
		return nil, "", "", fmt.Errorf("the saved plan of release %d (phase %s) does not match its checksum %s: refusing to apply it", releaseID, from, sum)
	}
	return data, sum, from, nil
}
