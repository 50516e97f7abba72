package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

const artifactColumns = `id, artifact_uri, build_id, stack_name, app_name, registration_metadata, created_at`

func insertArtifact(ctx context.Context, q Querier, a *release.Artifact) error {
	if a.URI == "" {
		return fmt.Errorf("an artifact needs an artifact_uri")
	}
	if a.RegistrationMetadata == nil {
		a.RegistrationMetadata = map[string]any{}
	}
	err := q.QueryRow(ctx, `INSERT INTO artifacts (artifact_uri, build_id, stack_name, app_name, registration_metadata)
		VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at`,
		a.URI, a.BuildID, a.StackName, a.AppName, a.RegistrationMetadata).Scan(&a.ID, &a.CreatedAt)
	if err != nil {
		return fmt.Errorf("registering artifact %s: %w", a.URI, err)
	}
	return nil
}

// RegisterArtifact stores a new artifact and sets its ID.
func (s *Store) RegisterArtifact(ctx context.Context, a *release.Artifact) error {
	return insertArtifact(ctx, s.pool, a)
}

func scanArtifact(row pgx.Row) (release.Artifact, error) {
	var a release.Artifact
	err := row.Scan(&a.ID, &a.URI, &a.BuildID, &a.StackName, &a.AppName, &a.RegistrationMetadata, &a.CreatedAt)
	return a, err
}

func (s *Store) releaseArtifacts(ctx context.Context, id int64) ([]release.Artifact, error) {
	rows, err := s.pool.Query(ctx, `SELECT a.id, a.artifact_uri, a.build_id, a.stack_name, a.app_name, a.registration_metadata, a.created_at
		FROM release_artifacts ra JOIN artifacts a ON a.id = ra.artifact_id WHERE ra.release_id = $1 ORDER BY ra.position`, id)
	if err != nil {
		return nil, fmt.Errorf("reading artifacts of release %d: %w", id, err)
	}
	defer rows.Close()
	out := []release.Artifact{}
	for rows.Next() {
		a, err := scanArtifact(rows)
		if err != nil {
			return nil, fmt.Errorf("reading artifacts of release %d: %w", id, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
