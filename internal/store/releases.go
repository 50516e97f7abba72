package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file writes releases: creation (with phases and artifacts, in
// one transaction), their variables (sealed), migration outcomes.

// KeyTakenError is CreateRelease's error when a release with the same
// external key exists already: ID is that release's.
type KeyTakenError struct {
	Key string
	ID  int64
}

func (e *KeyTakenError) Error() string {
	return fmt.Sprintf("release %d was created with key %q already", e.ID, e.Key)
}

// ReleaseByKey reads the release created with external key key;
// ErrNotFound when there is none.
func (s *Store) ReleaseByKey(ctx context.Context, key string) (*release.Release, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT id FROM releases WHERE external_key = $1`, key).Scan(&id)
	if err != nil {
		return nil, dbErr{Missing: fmt.Sprintf("release with key %q", key), Doing: "reading a release by key"}.of(err)
	}
	return s.GetRelease(ctx, id)
}

// CreateRelease stores a new QUEUED release for r.Environment with its
// phases and artifacts (new artifacts, ID 0, are registered on the way) in
// one transaction, and sets r's ID, status and times.
// A release with a non-empty r.ExternalKey is made at most once: when
// one with that key exists (or a concurrent call made it first), nothing
// is written and the error is a *KeyTakenError naming it.
func (s *Store) CreateRelease(ctx context.Context, r *release.Release) error {
	if len(r.Phases) == 0 {
		return errors.New("a release needs at least one phase")
	}
	if r.DeploymentType == "" {
		r.DeploymentType = release.DeploymentRegular
	}
	if r.Type == "" {
		r.Type = release.TypeOf(r.Phases)
	}
	if r.TriggeredBy == "" {
		return errors.New("a release needs triggered_by")
	}
	vars, err := s.sealVariables(r.Variables)
	if err != nil {
		return err
	}
	scripts, err := json.Marshal(nonNil(r.MigrationScripts))
	if err != nil {
		return err
	}
	if r.Targets == nil {
		r.Targets = []string{}
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var envID int64
		var ns string
		// FOR KEY SHARE: an environment being deleted (FOR UPDATE) is waited
		// for and then not found, never half-referenced (a foreign-key 500).
		err := tx.QueryRow(ctx, `SELECT id, namespace FROM environments WHERE name = $1 FOR KEY SHARE`, r.Environment).Scan(&envID, &ns)
		if err != nil {
			return dbErr{Missing: fmt.Sprintf("environment %q", r.Environment), Doing: fmt.Sprintf("reading environment %q", r.Environment)}.of(err)
		}
		if r.Namespace == "" {
			r.Namespace = ns
		}
		r.Status = release.StatusQueued
		if err := release.Created(r.Status, false); err != nil {
			return err
		}
		// ON CONFLICT: a second release with the same external key is not
		// made; the statement waits for a concurrent one to commit.
		err = tx.QueryRow(ctx, `INSERT INTO releases (environment_id, namespace, template, template_namespace, release_type,
				deployment_type, status, triggered_by, queued_at, blueprint_version, targets, approval_required, variables,
				migration_scripts, rollback_of, external_key, applies_plan_of, promoted_from)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9, $10, $11, $12, $13, $14, NULLIF($15, ''), $16, $17)
			ON CONFLICT (external_key) DO NOTHING
			RETURNING id, created_at, queued_at`,
			envID, r.Namespace, r.Template, r.TemplateNamespace, r.Type, r.DeploymentType, r.Status, r.TriggeredBy,
			r.BlueprintVersion, r.Targets, r.Approval.Required, vars, scripts, r.RollbackOf, r.ExternalKey, r.AppliesPlanOf,
			r.PromotedFrom,
		).Scan(&r.ID, &r.CreatedAt, &r.QueuedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			var id int64
			if err := tx.QueryRow(ctx, `SELECT id FROM releases WHERE external_key = $1`, r.ExternalKey).Scan(&id); err != nil {
				return fmt.Errorf("reading the release of key %q: %w", r.ExternalKey, err)
			}
			return &KeyTakenError{Key: r.ExternalKey, ID: id}
		}
		if err != nil {
			return fmt.Errorf("creating release: %w", err)
		}
		for i := range r.Phases {
			p := &r.Phases[i]
			p.Index = i
			if p.Status == "" {
				p.Status = release.PhasePending
			}
			if _, err := tx.Exec(ctx, `INSERT INTO release_phases (release_id, idx, name, action, options, status) VALUES ($1, $2, $3, $4, $5, $6)`,
				r.ID, i, p.Name, p.Action, p.Options, p.Status); err != nil {
				if isUniqueViolation(err) {
					return fmt.Errorf("release phases: phase name %q appears twice", p.Name)
				}
				return fmt.Errorf("creating phase %q: %w", p.Name, err)
			}
		}
		for i := range r.Artifacts {
			a := &r.Artifacts[i]
			if a.ID == 0 {
				if err := insertArtifact(ctx, tx, a); err != nil {
					return err
				}
			}
			tag, err := tx.Exec(ctx, `INSERT INTO release_artifacts (release_id, artifact_id, position, deploys_to)
				SELECT $1, id, $3, $4 FROM artifacts WHERE id = $2`, r.ID, a.ID, i, nonNil(a.DeploysTo))
			if err != nil {
				return fmt.Errorf("attaching artifact %d: %w", a.ID, err)
			}
			if tag.RowsAffected() == 0 {
				return fmt.Errorf("artifact %d: %w", a.ID, ErrNotFound)
			}
		}
		if r.AppliesPlanOf != nil {
			return copyPlanChanges(ctx, tx, *r.AppliesPlanOf, r.ID)
		}
		return nil
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Store) sealVariables(vars []release.Variable) ([]byte, error) {
	sealed := make([]release.Variable, len(vars))
	for i, v := range vars {
		if v.Sensitive && v.Value != "" {
			if s.box == nil {
				return nil, fmt.Errorf("variable %q is sensitive but no secret key is configured to seal it", v.Name)
			}
			var err error
			if v.Value, err = s.box.Seal(v.Value); err != nil {
				return nil, fmt.Errorf("sealing variable %q: %w", v.Name, err)
			}
		}
		sealed[i] = v
	}
	return json.Marshal(sealed)
}

// ReleaseVariables returns a release's variables with sensitive values
// opened, for a worker to pass to terraform. Nothing else may call it.
func (s *Store) ReleaseVariables(ctx context.Context, id int64) ([]release.Variable, error) {
	var vars []release.Variable
	if err := s.pool.QueryRow(ctx, `SELECT variables FROM releases WHERE id = $1`, id).Scan(&vars); err != nil {
		return nil, fmt.Errorf("reading variables of release %d: %w", id, err)
	}
	if err := s.openVariables(vars); err != nil {
		return nil, fmt.Errorf("release %d: %w", id, err)
	}
	return vars, nil
}

// RollbackVariables returns a release's variables with sensitive values
// opened, so that a rollback release can be created with the same values
// (CreateRelease seals them again). They never leave the process.
func (s *Store) RollbackVariables(ctx context.Context, id int64) ([]release.Variable, error) {
	return s.ReleaseVariables(ctx, id)
}

// RecordMigrationOutcomes stores what happened to each migration script.
func (s *Store) RecordMigrationOutcomes(ctx context.Context, releaseID int64, outcomes []release.MigrationOutcome) error {
	if _, err := s.pool.Exec(ctx, `UPDATE releases SET migration_outcomes = $2 WHERE id = $1`, releaseID, nonNil(outcomes)); err != nil {
		return fmt.Errorf("release %d: recording migration outcomes: %w", releaseID, err)
	}
	return nil
}
