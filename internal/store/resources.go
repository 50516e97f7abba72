package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ResourceOutcome is what one release did to one resource address.
type ResourceOutcome struct {
	Address string
	Deleted bool
	// ArtifactURL is the URL of the release's artifact linked to this
	// resource; nil leaves the resource's artifact fields as they were.
	ArtifactURL *string
}

// RecordResourceStatus updates the status of every resource a release
// touched. After a successful apply the live blueprint version and artifact
// catch up with the release's (IN_SYNC, COMPLETED); after a failure the
// release's versions become the wanted ones while live stays as it was
// (OUT_OF_SYNC, FAILED). A successful apply clears the drift a scheduled
// plan found on a resource it touched (migration 0062); any other outcome
// keeps it, and the resource OUT_OF_SYNC. Health is left as last reported
// (UNKNOWN at first).
// Deleted resources are removed. The first QUEUED or IN_PROGRESS write of a
// release keeps each resource's status as it was (resource_status_prior), so
// that the release's end can put it back (see settleResources).
func (s *Store) RecordResourceStatus(ctx context.Context, releaseID int64, outcomes []ResourceOutcome, status release.ResourceReleaseStatus) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var envID int64
		var version string
		if err := tx.QueryRow(ctx, `SELECT environment_id, blueprint_version FROM releases WHERE id = $1`, releaseID).Scan(&envID, &version); err != nil {
			return fmt.Errorf("release %d: %w", releaseID, err)
		}
		completed := status == release.ResourceCompleted
		pending := status == release.ResourceQueued || status == release.ResourceInProgress
		b := &pgx.Batch{}
		for _, o := range outcomes {
			if pending {
				b.Queue(`INSERT INTO resource_status_prior AS p (release_id, environment_id, address, existed,
						current_blueprint_version, live_blueprint_version, current_artifact_url, live_artifact_url,
						sync_status, release_status, last_release_id, updated_at)
					SELECT $1, $2, $3, rs.address IS NOT NULL, coalesce(rs.current_blueprint_version, ''),
						coalesce(rs.live_blueprint_version, ''), coalesce(rs.current_artifact_url, ''),
						coalesce(rs.live_artifact_url, ''), coalesce(rs.sync_status, 'IN_SYNC'),
						coalesce(rs.release_status, 'COMPLETED'), rs.last_release_id, coalesce(rs.updated_at, now())
					FROM (SELECT 1) one LEFT JOIN resource_status rs ON rs.environment_id = $2 AND rs.address = $3
					ON CONFLICT (release_id, address) DO NOTHING`, releaseID, envID, o.Address)
			}
			if o.Deleted && completed {
				b.Queue(`DELETE FROM resource_status WHERE environment_id = $1 AND address = $2`, envID, o.Address)
				continue
			}
			// $4 NULL: the release has no artifact for this resource, whose
			// artifact fields stay as they were.
			b.Queue(`INSERT INTO resource_status AS rs (environment_id, address, current_blueprint_version, live_blueprint_version,
					current_artifact_url, live_artifact_url, sync_status, release_status, last_release_id, updated_at)
				VALUES ($1, $2, $3, CASE WHEN $6 THEN $3 ELSE '' END, coalesce($4, ''), CASE WHEN $6 THEN coalesce($4, '') ELSE '' END,
					CASE WHEN $6 THEN 'IN_SYNC' ELSE 'OUT_OF_SYNC' END, $5, $7, now())
				ON CONFLICT (environment_id, address) DO UPDATE SET
					current_blueprint_version = EXCLUDED.current_blueprint_version,
					current_artifact_url = coalesce($4, rs.current_artifact_url),
					live_blueprint_version = CASE WHEN $6 THEN EXCLUDED.current_blueprint_version ELSE rs.live_blueprint_version END,
					live_artifact_url = CASE WHEN $6 THEN coalesce($4, rs.live_artifact_url) ELSE rs.live_artifact_url END,
					sync_status = CASE WHEN $6 OR (rs.live_blueprint_version = EXCLUDED.current_blueprint_version
						AND rs.live_artifact_url = coalesce($4, rs.current_artifact_url) AND rs.drift_release_id IS NULL) THEN 'IN_SYNC' ELSE 'OUT_OF_SYNC' END,
					drift_release_id = CASE WHEN $6 THEN NULL ELSE rs.drift_release_id END,
					drifted_at = CASE WHEN $6 THEN NULL ELSE rs.drifted_at END,
					release_status = EXCLUDED.release_status,
					last_release_id = EXCLUDED.last_release_id,
					updated_at = now()`,
				envID, o.Address, version, o.ArtifactURL, string(status), completed, releaseID)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("recording resource status of release %d: %w", releaseID, err)
		}
		return nil
	})
}

// ListResourceStatus returns an environment's resources (or one address).
func (s *Store) ListResourceStatus(ctx context.Context, env, address string) ([]release.ResourceStatus, error) {
	rows, err := s.pool.Query(ctx, `SELECT e.name, rs.address, rs.current_blueprint_version, rs.live_blueprint_version, rs.current_artifact_url,
			rs.live_artifact_url, rs.sync_status, rs.release_status, rs.health_status, coalesce(rs.last_release_id, 0), rs.updated_at,
			coalesce(rs.drift_release_id, 0), rs.drifted_at
		FROM resource_status rs JOIN environments e ON e.id = rs.environment_id
		WHERE e.name = $1 AND ($2 = '' OR rs.address = $2) ORDER BY rs.address`, env, address)
	if err != nil {
		return nil, fmt.Errorf("reading resource status of %s: %w", env, err)
	}
	defer rows.Close()
	out := []release.ResourceStatus{}
	for rows.Next() {
		var r release.ResourceStatus
		if err := rows.Scan(&r.Environment, &r.Address, &r.CurrentBlueprintVersion, &r.LiveBlueprintVersion, &r.CurrentArtifactURL,
			&r.LiveArtifactURL, &r.SyncStatus, &r.ReleaseStatus, &r.HealthStatus, &r.LastReleaseID, &r.UpdatedAt,
			&r.DriftReleaseID, &r.DriftedAt); err != nil {
			return nil, fmt.Errorf("reading resource status of %s: %w", env, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReportHealth sets a resource's health.
func (s *Store) ReportHealth(ctx context.Context, env, address string, health release.HealthStatus) error {
	tag, err := s.pool.Exec(ctx, `UPDATE resource_status rs SET health_status = $3, updated_at = now()
		FROM environments e WHERE e.id = rs.environment_id AND e.name = $1 AND rs.address = $2`, env, address, string(health))
	if err != nil {
		return fmt.Errorf("reporting health of %s in %s: %w", address, env, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("resource %s in environment %s: %w", address, env, ErrNotFound)
	}
	return nil
}

// RecordDeployments turns a release's artifacts into application
// deployments (after a successful apply).
func (s *Store) RecordDeployments(ctx context.Context, releaseID int64) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO application_deployments (release_id, environment_id, artifact_id)
		SELECT r.id, r.environment_id, ra.artifact_id FROM releases r JOIN release_artifacts ra ON ra.release_id = r.id
		WHERE r.id = $1 ORDER BY ra.position`, releaseID)
	if err != nil {
		return fmt.Errorf("recording deployments of release %d: %w", releaseID, err)
	}
	return nil
}

// ListDeployments returns an environment's application deployments, newest first.
func (s *Store) ListDeployments(ctx context.Context, env string, limit int) ([]release.ApplicationDeployment, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT d.id, d.release_id, e.name, a.id, a.artifact_uri, a.app_name, a.stack_name, d.deployed_at
		FROM application_deployments d JOIN environments e ON e.id = d.environment_id JOIN artifacts a ON a.id = d.artifact_id
		WHERE e.name = $1 ORDER BY d.id DESC LIMIT $2`, env, limit)
	if err != nil {
		return nil, fmt.Errorf("reading deployments of %s: %w", env, err)
	}
	defer rows.Close()
	out := []release.ApplicationDeployment{}
	for rows.Next() {
		var d release.ApplicationDeployment
		if err := rows.Scan(&d.ID, &d.ReleaseID, &d.Environment, &d.ArtifactID, &d.ArtifactURI, &d.AppName, &d.StackName, &d.DeployedAt); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// ChangedResources lists the resources a release's plan changes (created,
// updated, replaced or deleted), in plan order.
func (s *Store) ChangedResources(ctx context.Context, releaseID int64) ([]ResourceOutcome, error) {
	rows, err := s.pool.Query(ctx, `SELECT address, bool_or(action = 'delete') FROM release_changes
		WHERE release_id = $1 AND kind = 'resource' AND action IN ('create', 'update', 'delete', 'replace')
		GROUP BY address ORDER BY min(seq)`, releaseID)
	if err != nil {
		return nil, fmt.Errorf("reading changed resources of release %d: %w", releaseID, err)
	}
	defer rows.Close()
	var out []ResourceOutcome
	for rows.Next() {
		var o ResourceOutcome
		if err := rows.Scan(&o.Address, &o.Deleted); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
