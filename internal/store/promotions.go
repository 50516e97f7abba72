package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file holds the SQL of release streams: copying a blueprint
// downstream, finding the upstream release that signed off a
// configuration, and what upstream is not promoted yet.

// CopyBlueprint makes blueprint version of environment from available to
// environment to (origin "promotion"), so a release of to runs exactly
// that archive. Copying a version to already holds with the same content
// changes nothing; one it holds with other content is ErrConflict (a
// version must always mean the same configuration); a version from does
// not hold is ErrNotFound.
func (s *Store) CopyBlueprint(ctx context.Context, from, to, version string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var sum string
		err := tx.QueryRow(ctx, `SELECT b.sha256 FROM blueprints b JOIN environments e ON e.id = b.environment_id
			WHERE e.name = $1 AND b.version = $2`, from, version).Scan(&sum)
		if err != nil {
			return dbErr{Missing: fmt.Sprintf("blueprint %s of environment %s", version, from), Doing: fmt.Sprintf("reading blueprint %s of %s", version, from)}.of(err)
		}
		var held string
		err = tx.QueryRow(ctx, `INSERT INTO blueprints (environment_id, version, archive, sha256, origin)
			SELECT d.id, b.version, b.archive, b.sha256, 'promotion'
			FROM blueprints b JOIN environments u ON u.id = b.environment_id, environments d
			WHERE u.name = $1 AND b.version = $3 AND d.name = $2
			ON CONFLICT (environment_id, version) DO UPDATE SET version = EXCLUDED.version
			RETURNING sha256`, from, to, version).Scan(&held)
		if err != nil {
			return dbErr{Missing: fmt.Sprintf("environment %q", to), Doing: fmt.Sprintf("copying blueprint %s from %s to %s", version, from, to)}.of(err)
		}
		if held != sum {
			return fmt.Errorf("environment %s already holds a different configuration under blueprint %s than %s does: %w", to, version, from, ErrConflict)
		}
		return nil
	})
}

// UpstreamRun is a release of an upstream environment that ran a given
// configuration.
type UpstreamRun struct {
	ID      int64
	SignOff release.SignOffStatus // "" when not signed off
}

// UpstreamRuns finds the SUCCEEDED APPLY releases of environment upstream
// that ran blueprint version with exactly the artifacts artifactIDs
// (sorted, as release.ArtifactIDs gives them): the newest one signed off
// APPROVED, if any, and the newest one of all (zero values when none).
func (s *Store) UpstreamRuns(ctx context.Context, upstream, version string, artifactIDs []int64) (approved, newest UpstreamRun, err error) {
	rows, err := s.pool.Query(ctx, `SELECT r.id, coalesce(r.signoff_status, '') FROM releases r JOIN environments e ON e.id = r.environment_id
		WHERE e.name = $1 AND r.blueprint_version = $2 AND r.status = 'SUCCEEDED' AND r.release_type = 'APPLY'
		AND (SELECT coalesce(array_agg(ra.artifact_id ORDER BY ra.artifact_id), '{}') FROM release_artifacts ra WHERE ra.release_id = r.id) = $3::bigint[]
		ORDER BY r.id DESC LIMIT 200`, upstream, version, artifactIDs)
	if err != nil {
		return approved, newest, fmt.Errorf("finding releases of %s that ran blueprint %s: %w", upstream, version, err)
	}
	defer rows.Close()
	for rows.Next() {
		var run UpstreamRun
		var st string
		if err := rows.Scan(&run.ID, &st); err != nil {
			return approved, newest, fmt.Errorf("finding releases of %s that ran blueprint %s: %w", upstream, version, err)
		}
		run.SignOff = release.SignOffStatus(st)
		if newest.ID == 0 {
			newest = run
		}
		if approved.ID == 0 && run.SignOff == release.SignOffApproved {
			approved = run
		}
	}
	return approved, newest, rows.Err()
}

// Unpromoted is a release upstream that its downstream environment has
// not run yet.
type Unpromoted struct {
	ID               int64
	Environment      string
	BlueprintVersion string
	FinishedAt       *time.Time
	TriggeredBy      string
	SignOff          release.SignOffStatus
	SignOffBy        string
	// Promotion is a release downstream promoting it that has not
	// finished yet (0: none), with its status.
	Promotion       int64
	PromotionStatus release.Status
}

// ListUnpromoted returns, newest first and at most limit, the SUCCEEDED
// APPLY releases of env's upstream environment newer than the newest
// upstream release env ran successfully by promotion: what is upstream and
// not yet promoted. Nil when env has no upstream.
func (s *Store) ListUnpromoted(ctx context.Context, env string, limit int) ([]Unpromoted, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.id, u.name, r.blueprint_version, r.finished_at, r.triggered_by,
			coalesce(r.signoff_status, ''), coalesce(r.signoff_by, ''), coalesce(p.id, 0), coalesce(p.status, '')
		FROM environments d
		JOIN environments u ON u.id = d.upstream_id
		JOIN releases r ON r.environment_id = u.id
		LEFT JOIN LATERAL (SELECT x.id, x.status FROM releases x WHERE x.promoted_from = r.id AND x.environment_id = d.id
			AND x.status NOT IN ('SUCCEEDED', 'FAILED', 'ABORTED', 'REJECTED', 'TIMED_OUT', 'STOPPED') ORDER BY x.id DESC LIMIT 1) p ON true
		WHERE d.name = $1 AND r.status = 'SUCCEEDED' AND r.release_type = 'APPLY' AND r.blueprint_version <> ''
		AND r.id > coalesce((SELECT max(x.promoted_from) FROM releases x WHERE x.environment_id = d.id AND x.status = 'SUCCEEDED'), 0)
		ORDER BY r.id DESC LIMIT $2`, env, limit)
	if err != nil {
		return nil, fmt.Errorf("listing what %s has not promoted: %w", env, err)
	}
	defer rows.Close()
	var out []Unpromoted
	for rows.Next() {
		var u Unpromoted
		var signOff, status string
		if err := rows.Scan(&u.ID, &u.Environment, &u.BlueprintVersion, &u.FinishedAt, &u.TriggeredBy, &signOff, &u.SignOffBy, &u.Promotion, &status); err != nil {
			return nil, fmt.Errorf("listing what %s has not promoted: %w", env, err)
		}
		u.SignOff, u.PromotionStatus = release.SignOffStatus(signOff), release.Status(status)
		out = append(out, u)
	}
	return out, rows.Err()
}

// Downstream names the environments whose upstream is env, by name.
func (s *Store) Downstream(ctx context.Context, env string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT d.name FROM environments d JOIN environments u ON u.id = d.upstream_id WHERE u.name = $1 ORDER BY d.name`, env)
	if err != nil {
		return nil, fmt.Errorf("listing environments downstream of %s: %w", env, err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("listing environments downstream of %s: %w", env, err)
	}
	return names, nil
}
