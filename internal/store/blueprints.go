package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// SaveBlueprint keeps a configuration snapshot under a version label of an
// environment. Saving the same version again keeps the first snapshot, so a
// version always means the same configuration.
func (s *Store) SaveBlueprint(ctx context.Context, env, version string, archive []byte) error {
	sum := sha256.Sum256(archive)
	_, err := s.pool.Exec(ctx, `INSERT INTO blueprints (environment_id, version, archive, sha256)
		SELECT id, $2, $3, $4 FROM environments WHERE name = $1
		ON CONFLICT (environment_id, version) DO NOTHING`, env, version, archive, hex.EncodeToString(sum[:]))
	if err != nil {
		return fmt.Errorf("saving blueprint %s of %s: %w", version, env, err)
	}
	return nil
}

// Blueprint returns a stored configuration snapshot, checked against its sum.
func (s *Store) Blueprint(ctx context.Context, env, version string) ([]byte, error) {
	var archive []byte
	var sum string
	err := s.pool.QueryRow(ctx, `SELECT b.archive, b.sha256 FROM blueprints b JOIN environments e ON e.id = b.environment_id
		WHERE e.name = $1 AND b.version = $2`, env, version).Scan(&archive, &sum)
	if err != nil {
		return nil, dbErr{Missing: fmt.Sprintf("blueprint %s of environment %s", version, env), Doing: fmt.Sprintf("reading blueprint %s of %s", version, env)}.of(err)
	}
	got := sha256.Sum256(archive)
	if hex.EncodeToString(got[:]) != sum {
		return nil, fmt.Errorf("blueprint %s of environment %s does not match its checksum", version, env)
	}
	return archive, nil
}

// SetBlueprintVersion records which configuration version a release runs.
func (s *Store) SetBlueprintVersion(ctx context.Context, releaseID int64, version string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE releases SET blueprint_version = $2 WHERE id = $1`, releaseID, version); err != nil {
		return fmt.Errorf("release %d: recording blueprint version: %w", releaseID, err)
	}
	s.notifyRelease(ctx, releaseID)
	return nil
}
