package store

import (
	"context"
	"fmt"
)

// settleResources runs with every move of release id to a final status, in
// the same transaction: no resource stays QUEUED or IN_PROGRESS for a
// finished release.
//
//   - A resource the release left QUEUED was never applied (the release
//     was rejected, aborted or failed before its apply): its status goes
//     back to what it was before the release touched it, or the row goes
//     away when there was none.
//   - A resource it left IN_PROGRESS was being applied when the release
//     ended without recording its outcome (a reaped lease, a worker that
//     died): it is FAILED, wanted at the release's versions, live as it was.
//
// The release's kept prior statuses are dropped.
func settleResources(ctx context.Context, q Querier, id int64) error {
	stmts := []string{
		`UPDATE resource_status rs SET current_blueprint_version = p.current_blueprint_version,
				live_blueprint_version = p.live_blueprint_version, current_artifact_url = p.current_artifact_url,
				live_artifact_url = p.live_artifact_url, sync_status = p.sync_status, release_status = p.release_status,
				last_release_id = p.last_release_id, updated_at = p.updated_at
			FROM resource_status_prior p
			WHERE p.release_id = $1 AND p.existed AND rs.environment_id = p.environment_id AND rs.address = p.address
				AND rs.last_release_id = $1 AND rs.release_status = 'QUEUED'`,
		`DELETE FROM resource_status rs USING resource_status_prior p
			WHERE p.release_id = $1 AND NOT p.existed AND rs.environment_id = p.environment_id AND rs.address = p.address
				AND rs.last_release_id = $1 AND rs.release_status = 'QUEUED'`,
		`UPDATE resource_status SET release_status = 'FAILED',
				sync_status = CASE WHEN live_blueprint_version = current_blueprint_version
					AND live_artifact_url = current_artifact_url AND drift_release_id IS NULL THEN 'IN_SYNC' ELSE 'OUT_OF_SYNC' END,
				updated_at = now()
			WHERE last_release_id = $1 AND release_status IN ('QUEUED', 'IN_PROGRESS')`,
		`DELETE FROM resource_status_prior WHERE release_id = $1`,
	}
	for _, sql := range stmts {
		if _, err := q.Exec(ctx, sql, id); err != nil {
			return fmt.Errorf("release %d: settling the status of its resources: %w", id, err)
		}
	}
	return nil
}
