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
	return nil
}

// Blueprint origins: where a stored configuration came from.
const (
	OriginDir    = "dir"    // a snapshot of the environment's directory
	OriginGit    = "git"    // the content of a git commit (Commit)
	OriginUpload = "upload" // an archive pushed through the API
)

// SourcedBlueprint is a configuration snapshot with its origin.
type SourcedBlueprint struct {
	Env     string
	Version string // "sha256:<12 hex digits>" of the content
	Archive []byte // deterministic tar.gz
	Origin  string // OriginDir, OriginGit or OriginUpload
	Commit  string // full git SHA, for OriginGit
}

// SaveSourcedBlueprint keeps a snapshot with its origin. Saving a version
// again keeps the first archive; an upload of a stored version makes it the
// environment's newest upload. It reports whether the version was new.
func (s *Store) SaveSourcedBlueprint(ctx context.Context, b SourcedBlueprint) (bool, error) {
	sum := sha256.Sum256(b.Archive)
	var inserted bool
	err := s.pool.QueryRow(ctx, `INSERT INTO blueprints (environment_id, version, archive, sha256, origin, commit_sha)
		SELECT id, $2, $3, $4, $5, $6 FROM environments WHERE name = $1
		ON CONFLICT (environment_id, version) DO UPDATE
			SET origin = EXCLUDED.origin, created_at = now() WHERE EXCLUDED.origin = 'upload'
		RETURNING xmax = 0`, b.Env, b.Version, b.Archive, hex.EncodeToString(sum[:]), b.Origin, b.Commit).Scan(&inserted)
	if isNoRows(err) {
		// kept the first snapshot, or no such environment
		if _, gerr := s.GetEnvironment(ctx, b.Env); gerr != nil {
			return false, gerr
		}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("saving blueprint %s of %s: %w", b.Version, b.Env, err)
	}
	return inserted, nil
}

// LatestUpload names the newest uploaded blueprint of an environment;
// ErrNotFound when nothing was uploaded.
func (s *Store) LatestUpload(ctx context.Context, env string) (string, error) {
	var version string
	err := s.pool.QueryRow(ctx, `SELECT b.version FROM blueprints b JOIN environments e ON e.id = b.environment_id
		WHERE e.name = $1 AND b.origin = 'upload' ORDER BY b.created_at DESC, b.version LIMIT 1`, env).Scan(&version)
	if err != nil {
		return "", dbErr{Missing: fmt.Sprintf("an uploaded configuration of environment %s", env), Doing: fmt.Sprintf("finding the newest upload of %s", env)}.of(err)
	}
	return version, nil
}

// BlueprintExists reports whether env has a stored blueprint version.
func (s *Store) BlueprintExists(ctx context.Context, env, version string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM blueprints b JOIN environments e ON e.id = b.environment_id
		WHERE e.name = $1 AND b.version = $2)`, env, version).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("looking up blueprint %s of %s: %w", version, env, err)
	}
	return ok, nil
}

// SetSourceCommit records the git commit a release's blueprint came from.
func (s *Store) SetSourceCommit(ctx context.Context, releaseID int64, sha string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE releases SET source_commit = $2 WHERE id = $1`, releaseID, sha); err != nil {
		return fmt.Errorf("release %d: recording source commit: %w", releaseID, err)
	}
	return nil
}
