package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// CreateRelease stores a new QUEUED release for r.Environment with its
// phases and artifacts (new artifacts, ID 0, are registered on the way) in
// one transaction, and sets r's ID, status and times.
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
		r.Status = release.StatusQueued
		err = tx.QueryRow(ctx, `INSERT INTO releases (environment_id, namespace, template, template_namespace, release_type,
				deployment_type, status, triggered_by, queued_at, blueprint_version, targets, approval_required, variables,
				migration_scripts, rollback_of)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9, $10, $11, $12, $13, $14)
			RETURNING id, created_at, queued_at`,
			envID, r.Namespace, r.Template, r.TemplateNamespace, r.Type, r.DeploymentType, r.Status, r.TriggeredBy,
			r.BlueprintVersion, r.Targets, r.Approval.Required, vars, scripts, r.RollbackOf,
		).Scan(&r.ID, &r.CreatedAt, &r.QueuedAt)
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
			tag, err := tx.Exec(ctx, `INSERT INTO release_artifacts (release_id, artifact_id, position) SELECT $1, id, $3 FROM artifacts WHERE id = $2`, r.ID, a.ID, i)
			if err != nil {
				return fmt.Errorf("attaching artifact %d: %w", a.ID, err)
			}
			if tag.RowsAffected() == 0 {
				return fmt.Errorf("artifact %d: %w", a.ID, ErrNotFound)
			}
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

const releaseColumns = `r.id, e.name, r.namespace, r.template, r.template_namespace, r.release_type, r.deployment_type, r.status,
	r.triggered_by, r.created_at, r.queued_at, r.started_at, r.finished_at, r.blueprint_version, r.targets, r.error_log,
	r.approval_required, r.approved_by, r.approved_at, r.approval_comment, r.signoff_status, r.signoff_by, r.signoff_at,
	r.signoff_comment, r.summary, r.variables, r.migration_scripts, r.rollback_of, r.abort_requested_by, r.abort_requested_at,
	r.migration_outcomes`

func scanRelease(row pgx.Row) (*release.Release, error) {
	var r release.Release
	var status, rtype, dtype string
	var approvedBy, approvalComment, signoffStatus, signoffBy, signoffComment, abortBy *string
	var abortAt *time.Time
	err := row.Scan(&r.ID, &r.Environment, &r.Namespace, &r.Template, &r.TemplateNamespace, &rtype, &dtype, &status,
		&r.TriggeredBy, &r.CreatedAt, &r.QueuedAt, &r.StartedAt, &r.FinishedAt, &r.BlueprintVersion, &r.Targets, &r.ErrorLog,
		&r.Approval.Required, &approvedBy, &r.Approval.At, &approvalComment, &signoffStatus, &signoffBy, &r.SignOff.At,
		&signoffComment, &r.Summary, &r.Variables, &r.MigrationScripts, &r.RollbackOf, &abortBy, &abortAt,
		&r.MigrationOutcomes)
	if err != nil {
		return nil, err
	}
	if r.Status, err = release.ParseStatus(status); err != nil {
		return nil, fmt.Errorf("release %d in the database: %w", r.ID, err)
	}
	if r.Type, err = release.ParseType(rtype); err != nil {
		return nil, fmt.Errorf("release %d in the database: %w", r.ID, err)
	}
	if r.DeploymentType, err = release.ParseDeploymentType(dtype); err != nil {
		return nil, fmt.Errorf("release %d in the database: %w", r.ID, err)
	}
	r.Approval.By = deref(approvedBy)
	r.Approval.Comment = deref(approvalComment)
	r.SignOff.Status = release.SignOffStatus(deref(signoffStatus))
	r.SignOff.By = deref(signoffBy)
	r.SignOff.Comment = deref(signoffComment)
	if abortBy != nil && abortAt != nil {
		r.AbortRequested = &release.AbortRequest{By: *abortBy, At: *abortAt}
	}
	return &r, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
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

// StatusChange is a compare-and-set of a release's status with the fields
// that move with it.
type StatusChange struct {
	ID       int64
	From, To release.Status
	// Reason is appended to the error log when not empty.
	Reason string
	// Lease, for a move to IN_PROGRESS, names the worker and how long its
	// claim lasts without a heartbeat.
	LeaseOwner string
	LeaseFor   time.Duration
	// NextPhase, when set, is where a worker resumes.
	NextPhase *int
	// Approval fields, for approve and reject.
	ApprovedBy, ApprovalComment string
}

// Transition moves a release from c.From to c.To if, and only if, it is
// still in c.From: of two writers racing, exactly one wins and the other
// gets ErrConflict naming the status it found.
func (s *Store) Transition(ctx context.Context, c StatusChange) error {
	if err := transition(ctx, s.pool, c); err != nil {
		return err
	}
	s.notifyRelease(ctx, c.ID)
	return nil
}

func transition(ctx context.Context, q Querier, c StatusChange) error {
	if err := release.Transition(c.From, c.To); err != nil {
		return fmt.Errorf("release %d: %w", c.ID, err)
	}
	var leaseUntil *time.Time
	var owner *string
	if c.To == release.StatusInProgress {
		if c.LeaseOwner == "" || c.LeaseFor <= 0 {
			return fmt.Errorf("release %d: moving to IN_PROGRESS needs a lease owner and duration", c.ID)
		}
		t := time.Now().Add(c.LeaseFor)
		leaseUntil, owner = &t, &c.LeaseOwner
	}
	var approvedBy, approvalComment *string
	if c.ApprovedBy != "" {
		approvedBy, approvalComment = &c.ApprovedBy, &c.ApprovalComment
	}
	tag, err := q.Exec(ctx, `UPDATE releases SET
			status = $3,
			started_at = CASE WHEN $3 = 'IN_PROGRESS' THEN coalesce(started_at, now()) ELSE started_at END,
			queued_at = CASE WHEN $3 = 'QUEUED' THEN now() ELSE queued_at END,
			finished_at = CASE WHEN $4 THEN now() ELSE finished_at END,
			error_log = CASE WHEN $5 = '' THEN error_log WHEN error_log = '' THEN $5 ELSE error_log || E'\n' || $5 END,
			lease_owner = $6,
			lease_expires_at = $7,
			next_phase = coalesce($8, next_phase),
			approved_by = coalesce($9, approved_by),
			approved_at = CASE WHEN $9::text IS NULL THEN approved_at ELSE now() END,
			approval_comment = coalesce($10, approval_comment)
		WHERE id = $1 AND status = $2`,
		c.ID, c.From, c.To, c.To.Terminal(), c.Reason, owner, leaseUntil, c.NextPhase, approvedBy, approvalComment)
	if isUniqueViolation(err) {
		return fmt.Errorf("release %d cannot start: another release of its environment is in progress: %w", c.ID, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("release %d: changing status from %s to %s: %w", c.ID, c.From, c.To, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var now string
	err = q.QueryRow(ctx, `SELECT status FROM releases WHERE id = $1`, c.ID).Scan(&now)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("release %d: %w", c.ID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("release %d: %w", c.ID, err)
	}
	return &StatusConflictError{ID: c.ID, Want: c.From, To: c.To, Found: release.Status(now)}
}

// StatusConflictError says a compare-and-set lost: the release was not in
// the status the writer expected.
type StatusConflictError struct {
	ID       int64
	Want, To release.Status
	Found    release.Status
}

func (e *StatusConflictError) Error() string {
	return fmt.Sprintf("release %d is %s, not %s: it cannot move to %s", e.ID, e.Found, e.Want, e.To)
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *StatusConflictError) Unwrap() error { return ErrConflict }

// ReleaseFilter selects releases for ListReleases.
type ReleaseFilter struct {
	Environment    string
	Statuses       []release.Status
	Template       string
	DeploymentType release.DeploymentType
	TriggeredBy    string
	CreatedAfter   *time.Time
	CreatedBefore  *time.Time
	// BeforeID continues a listing: only releases with a smaller id.
	BeforeID int64
	Limit    int
}

// ListReleases returns releases newest first (without phases or artifacts).
func (s *Store) ListReleases(ctx context.Context, f ReleaseFilter) ([]*release.Release, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Environment != "" {
		add("e.name = ?", f.Environment)
	}
	if len(f.Statuses) > 0 {
		ss := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ss[i] = string(st)
		}
		add("r.status = ANY(?)", ss)
	}
	if f.Template != "" {
		add("r.template = ?", f.Template)
	}
	if f.DeploymentType != "" {
		add("r.deployment_type = ?", string(f.DeploymentType))
	}
	if f.TriggeredBy != "" {
		add("r.triggered_by = ?", f.TriggeredBy)
	}
	if f.CreatedAfter != nil {
		add("r.created_at >= ?", *f.CreatedAfter)
	}
	if f.CreatedBefore != nil {
		add("r.created_at < ?", *f.CreatedBefore)
	}
	if f.BeforeID > 0 {
		add("r.id < ?", f.BeforeID)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	sql := `SELECT ` + releaseColumns + ` FROM releases r JOIN environments e ON e.id = r.environment_id`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	sql += fmt.Sprintf(" ORDER BY r.id DESC LIMIT $%d", len(args))
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("listing releases: %w", err)
	}
	defer rows.Close()
	var out []*release.Release
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, fmt.Errorf("listing releases: %w", err)
		}
		blankSensitive(r.Variables)
		out = append(out, r)
	}
	return out, rows.Err()
}
