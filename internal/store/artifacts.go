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

// GetArtifact returns one artifact.
func (s *Store) GetArtifact(ctx context.Context, id int64) (release.Artifact, error) {
	a, err := scanArtifact(s.pool.QueryRow(ctx, `SELECT `+artifactColumns+` FROM artifacts WHERE id = $1`, id))
	if err != nil {
		return a, dbErr{Missing: fmt.Sprintf("artifact %d", id), Doing: fmt.Sprintf("reading artifact %d", id)}.of(err)
	}
	return a, nil
}

// ArtifactFilter selects artifacts, newest first.
type ArtifactFilter struct {
	AppName, StackName, BuildID string
	BeforeID                    int64
	Limit                       int
}

// ListArtifacts returns artifacts newest first.
func (s *Store) ListArtifacts(ctx context.Context, f ArtifactFilter) ([]release.Artifact, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT `+artifactColumns+` FROM artifacts
		WHERE ($1 = '' OR app_name = $1) AND ($2 = '' OR stack_name = $2) AND ($3 = '' OR build_id = $3) AND ($4 = 0 OR id < $4)
		ORDER BY id DESC LIMIT $5`, f.AppName, f.StackName, f.BuildID, f.BeforeID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("listing artifacts: %w", err)
	}
	defer rows.Close()
	out := []release.Artifact{}
	for rows.Next() {
		a, err := scanArtifact(rows)
		if err != nil {
			return nil, fmt.Errorf("listing artifacts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
