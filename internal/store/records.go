package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// RollbackVariables returns a release's variables with sensitive values
// opened, so that a rollback release can be created with the same values
// (CreateRelease seals them again). They never leave the process.
func (s *Store) RollbackVariables(ctx context.Context, id int64) ([]release.Variable, error) {
	return s.ReleaseVariables(ctx, id)
}

// AttachDetails loads the phases and artifacts of listed releases (which
// ListReleases leaves out) in two queries for the whole page.
func (s *Store) AttachDetails(ctx context.Context, rs []*release.Release) error {
	if len(rs) == 0 {
		return nil
	}
	ids := make([]int64, len(rs))
	byID := make(map[int64]*release.Release, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
		byID[r.ID] = r
		r.Phases = []release.Phase{}
		r.Artifacts = []release.Artifact{}
	}
	rows, err := s.pool.Query(ctx, `SELECT release_id, idx, name, action, options, status, started_at, finished_at, duration_ms, error
		FROM release_phases WHERE release_id = ANY($1) ORDER BY release_id, idx`, ids)
	if err != nil {
		return fmt.Errorf("reading phases of %d releases: %w", len(ids), err)
	}
	for rows.Next() {
		var id int64
		var p release.Phase
		var ms *int64
		if err := rows.Scan(&id, &p.Index, &p.Name, &p.Action, &p.Options, &p.Status, &p.StartedAt, &p.FinishedAt, &ms, &p.Error); err != nil {
			rows.Close()
			return fmt.Errorf("reading phases of %d releases: %w", len(ids), err)
		}
		if ms != nil {
			d := time.Duration(*ms) * time.Millisecond
			p.Duration = &d
		}
		byID[id].Phases = append(byID[id].Phases, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading phases of %d releases: %w", len(ids), err)
	}
	rows, err = s.pool.Query(ctx, `SELECT ra.release_id, a.id, a.artifact_uri, a.build_id, a.stack_name, a.app_name, a.registration_metadata, a.created_at
		FROM release_artifacts ra JOIN artifacts a ON a.id = ra.artifact_id WHERE ra.release_id = ANY($1) ORDER BY ra.release_id, ra.position`, ids)
	if err != nil {
		return fmt.Errorf("reading artifacts of %d releases: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a release.Artifact
		if err := rows.Scan(&id, &a.ID, &a.URI, &a.BuildID, &a.StackName, &a.AppName, &a.RegistrationMetadata, &a.CreatedAt); err != nil {
			return fmt.Errorf("reading artifacts of %d releases: %w", len(ids), err)
		}
		byID[id].Artifacts = append(byID[id].Artifacts, a)
	}
	return rows.Err()
}

// PlanRecord is a plan that ran somewhere else, to be kept as a finished
// release of an environment.
type PlanRecord struct {
	// Release gives Environment, Template, TemplateNamespace, Phases,
	// TriggeredBy and optionally BlueprintVersion, Targets and
	// DeploymentType. Its Status and Type are set by RecordPlan.
	Release *release.Release
	// Phase is the phase the changes belong to; it ends as the plan did,
	// every other phase is SKIPPED.
	Phase   string
	Changes ChangeSource
	// Outcome, called once Changes has returned io.EOF, says whether the
	// plan succeeded (SUCCEEDED, or FAILED for a plan Terraform could not
	// complete) and with what error text.
	Outcome func() (release.Status, string)
}

// RecordPlan stores a plan produced elsewhere as a finished PLAN release,
// with its phases and changes, in one transaction: a plan that fails to
// read leaves nothing behind. It never queues anything for a worker.
func (s *Store) RecordPlan(ctx context.Context, rec PlanRecord) (*release.Release, error) {
	r := rec.Release
	if r.TriggeredBy == "" {
		return nil, errors.New("a release needs triggered_by")
	}
	found := false
	for _, p := range r.Phases {
		found = found || p.Name == rec.Phase
	}
	if !found {
		return nil, fmt.Errorf("the release has no phase %q", rec.Phase)
	}
	if r.DeploymentType == "" {
		r.DeploymentType = release.DeploymentRegular
	}
	r.Type = release.TypePlan
	if r.Targets == nil {
		r.Targets = []string{}
	}
	// The release is written as finished from the start (its final status
	// is set once the plan is read): no worker ever sees it queued.
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var envID int64
		var ns string
		err := tx.QueryRow(ctx, `SELECT id, namespace FROM environments WHERE name = $1`, r.Environment).Scan(&envID, &ns)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("environment %q: %w", r.Environment, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("reading environment %q: %w", r.Environment, err)
		}
		if r.Namespace == "" {
			r.Namespace = ns
		}
		err = tx.QueryRow(ctx, `INSERT INTO releases (environment_id, namespace, template, template_namespace, release_type,
				deployment_type, status, triggered_by, queued_at, started_at, blueprint_version, targets, variables, migration_scripts)
			VALUES ($1, $2, $3, $4, 'PLAN', $5, 'SUCCEEDED', $6, now(), now(), $7, $8, '[]', '[]')
			RETURNING id`,
			envID, r.Namespace, r.Template, r.TemplateNamespace, r.DeploymentType, r.TriggeredBy, r.BlueprintVersion, r.Targets,
		).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("recording a plan of %s: %w", r.Environment, err)
		}
		var sum release.Summary
		rows := &changeRows{src: rec.Changes, release: r.ID, phase: rec.Phase, sum: &sum}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"release_changes"}, changeColumns, rows); err != nil {
			if rows.srcErr != nil {
				return rows.srcErr
			}
			return fmt.Errorf("storing the changes of the plan: %w", err)
		}
		status, errText := release.StatusSucceeded, ""
		if rec.Outcome != nil {
			status, errText = rec.Outcome()
		}
		phaseStatus := release.PhaseSucceeded
		if status != release.StatusSucceeded {
			phaseStatus = release.PhaseFailed
		}
		for i := range r.Phases {
			p := &r.Phases[i]
			p.Index = i
			p.Status, p.Error = release.PhaseSkipped, ""
			if p.Name == rec.Phase {
				p.Status, p.Error = phaseStatus, errText
			}
			if _, err := tx.Exec(ctx, `INSERT INTO release_phases (release_id, idx, name, action, options, status, started_at, finished_at, duration_ms, error)
				VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 = 'SKIPPED' THEN NULL ELSE now() END, CASE WHEN $6 = 'SKIPPED' THEN NULL ELSE now() END,
					CASE WHEN $6 = 'SKIPPED' THEN NULL ELSE 0 END, $7)`,
				r.ID, i, p.Name, p.Action, p.Options, string(p.Status), p.Error); err != nil {
				return fmt.Errorf("recording phase %q: %w", p.Name, err)
			}
		}
		summary, err := json.Marshal(sum)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE releases SET status = $2, finished_at = now(), summary = $3, error_log = $4 WHERE id = $1`,
			r.ID, string(status), summary, errText); err != nil {
			return fmt.Errorf("finishing the plan record: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.notifyRelease(ctx, r.ID)
	return s.GetRelease(ctx, r.ID)
}

// extraRow scans columns after the release's own into extra.
type extraRow struct {
	pgx.Row
	extra []any
}

func (r extraRow) Scan(dest ...any) error { return r.Row.Scan(append(dest, r.extra...)...) }

// GetRelease returns a release with its phases and artifacts in one round
// trip, sensitive variable values blanked.
func (s *Store) GetRelease(ctx context.Context, id int64) (*release.Release, error) {
	var phases, artifacts []byte
	row := s.pool.QueryRow(ctx, `SELECT `+releaseColumns+`,
			coalesce((SELECT json_agg(json_build_object('index', p.idx, 'name', p.name, 'action', p.action, 'options', p.options,
					'status', p.status, 'started_at', p.started_at, 'finished_at', p.finished_at, 'duration_ms', p.duration_ms,
					'error', p.error) ORDER BY p.idx)
				FROM release_phases p WHERE p.release_id = r.id), '[]'),
			coalesce((SELECT json_agg(json_build_object('id', a.id, 'artifact_uri', a.artifact_uri, 'build_id', a.build_id,
					'stack_name', a.stack_name, 'app_name', a.app_name, 'registration_metadata', a.registration_metadata,
					'created_at', a.created_at) ORDER BY ra.position)
				FROM release_artifacts ra JOIN artifacts a ON a.id = ra.artifact_id WHERE ra.release_id = r.id), '[]')
		FROM releases r JOIN environments e ON e.id = r.environment_id WHERE r.id = $1`, id)
	r, err := scanRelease(extraRow{Row: row, extra: []any{&phases, &artifacts}})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("release %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading release %d: %w", id, err)
	}
	blankSensitive(r.Variables)
	if err := json.Unmarshal(phases, &r.Phases); err != nil {
		return nil, fmt.Errorf("reading phases of release %d: %w", id, err)
	}
	if err := json.Unmarshal(artifacts, &r.Artifacts); err != nil {
		return nil, fmt.Errorf("reading artifacts of release %d: %w", id, err)
	}
	return r, nil
}
