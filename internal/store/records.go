package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

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
	// The release is created finished, in its outcome, which is known only
	// once the plan is read: its changes are written first, under the id
	// the release will have (their check of the release lets it come
	// later in the transaction, migration 0064), then the release. No worker ever sees it, and its
	// status is written once (release.Created), never moved.
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var envID int64
		var ns string
		err := tx.QueryRow(ctx, `SELECT id, namespace FROM environments WHERE name = $1`, r.Environment).Scan(&envID, &ns)
		if err != nil {
			return dbErr{Missing: fmt.Sprintf("environment %q", r.Environment), Doing: fmt.Sprintf("reading environment %q", r.Environment)}.of(err)
		}
		if r.Namespace == "" {
			r.Namespace = ns
		}
		if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('releases', 'id'))`).Scan(&r.ID); err != nil {
			return fmt.Errorf("recording a plan of %s: %w", r.Environment, err)
		}
		// the changes' check of their release lets this one be inserted
		// later in this transaction (migration 0064)
		if _, err := tx.Exec(ctx, `SELECT set_config('shiplog.recording_release', $1, true)`, strconv.FormatInt(r.ID, 10)); err != nil {
			return fmt.Errorf("recording a plan of %s: %w", r.Environment, err)
		}
		sum, err := copyChanges(ctx, tx, rec.Changes, r.ID, rec.Phase)
		if err != nil {
			return err
		}
		status, errText := release.StatusSucceeded, ""
		if rec.Outcome != nil {
			status, errText = rec.Outcome()
		}
		if err := release.Created(status, true); err != nil {
			return err
		}
		summary, err := json.Marshal(sum)
		if err != nil {
			return err
		}
		var notes release.PlanNotes
		if ns, ok := rec.Changes.(NotedSource); ok {
			notes = ns.Notes()
		}
		_, err = tx.Exec(ctx, `INSERT INTO releases (id, environment_id, namespace, template, template_namespace, release_type,
				deployment_type, status, triggered_by, queued_at, started_at, finished_at, blueprint_version, targets, variables,
				migration_scripts, summary, error_log, plan_notes)
			OVERRIDING SYSTEM VALUE
			VALUES ($1, $2, $3, $4, $5, 'PLAN', $6, $7, $8, now(), now(), now(), $9, $10, '[]', '[]', $11, $12, $13)`,
			r.ID, envID, r.Namespace, r.Template, r.TemplateNamespace, r.DeploymentType, string(status), r.TriggeredBy,
			r.BlueprintVersion, r.Targets, summary, errText, notes)
		if err != nil {
			return fmt.Errorf("recording a plan of %s: %w", r.Environment, err)
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
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.GetRelease(ctx, r.ID)
}
