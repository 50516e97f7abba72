package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file reads releases: one (GetRelease, one round trip), a page
// (ListReleases, then AttachDetails), a status, the counts by status.

const releaseColumns = `r.id, e.name, r.namespace, r.template, r.template_namespace, r.release_type, r.deployment_type, r.status,
	r.triggered_by, r.created_at, r.queued_at, r.started_at, r.finished_at, r.blueprint_version, r.targets, r.error_log,
	r.approval_required, r.approved_by, r.approved_at, r.approval_comment, r.signoff_status, r.signoff_by, r.signoff_at,
	r.signoff_comment, nullif(r.summary, '{}'::jsonb), r.variables, r.migration_scripts, r.rollback_of, r.abort_requested_by, r.abort_requested_at,
	r.migration_outcomes, r.source_commit, r.applies_plan_of, r.plan_notes,
	(SELECT array_agg(x.id ORDER BY x.id) FROM releases x WHERE x.applies_plan_of = r.id), r.promoted_from,
	(SELECT array_agg(x.id ORDER BY x.id) FROM releases x WHERE x.promoted_from = r.id), r.unlocked_lock`

func scanRelease(row pgx.Row) (*release.Release, error) {
	var r release.Release
	var status, rtype, dtype string
	var approvedBy, approvalComment, signoffStatus, signoffBy, signoffComment, abortBy *string
	var abortAt *time.Time
	err := row.Scan(&r.ID, &r.Environment, &r.Namespace, &r.Template, &r.TemplateNamespace, &rtype, &dtype, &status,
		&r.TriggeredBy, &r.CreatedAt, &r.QueuedAt, &r.StartedAt, &r.FinishedAt, &r.BlueprintVersion, &r.Targets, &r.ErrorLog,
		&r.Approval.Required, &approvedBy, &r.Approval.At, &approvalComment, &signoffStatus, &signoffBy, &r.SignOff.At,
		&signoffComment, &r.Summary, &r.Variables, &r.MigrationScripts, &r.RollbackOf, &abortBy, &abortAt,
		&r.MigrationOutcomes, &r.SourceCommit, &r.AppliesPlanOf, &r.PlanNotes, &r.PlanAppliedBy,
		&r.PromotedFrom, &r.PromotedTo, &r.Unlock)
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

// ReleaseFilter selects releases for ListReleases.
type ReleaseFilter struct {
	Environment string
	// Environments, when not nil, keeps the releases of these environments
	// only (by name; empty: none): the ones the caller may view.
	Environments   []string
	Statuses       []release.Status
	Template       string
	DeploymentType release.DeploymentType
	Type           release.Type
	TriggeredBy    string
	CreatedAfter   *time.Time
	CreatedBefore  *time.Time
	// BeforeID continues a listing: only releases with a smaller id.
	BeforeID int64
	// AfterID pages back towards the newest: only releases with a larger
	// id, the Limit closest to it (still listed newest first).
	AfterID int64
	Limit   int
}

// ListReleases returns releases newest first (without phases or artifacts).
//
// Its plan stays flat as releases grow: the ids are picked first, newest
// first, by the list indexes of migration 0007 (ordered by -id, which the
// primary key cannot give, so the planner cannot prefer it), one status
// at a time when statuses are given, so each status reads at most Limit
// index entries (plus rows the other filters turn away) however many
// releases exist; the page's rows are read after. EXPLAIN of the benchmark's query is in
// ARCHITECTURE.md ("Running at scale").
func (s *Store) ListReleases(ctx context.Context, f ReleaseFilter) ([]*release.Release, error) {
	_, sql, args := listSQL(f)
	rs, err := s.queryReleases(ctx, sql, args...)
	if f.AfterID > 0 {
		slices.Reverse(rs)
	}
	return rs, err
}

// ListReleaseIDs returns the ids ListReleases would list, newest first,
// from the indexes alone: for readers that hold most releases already
// (the API's cache) and read the rest with ReleasesByID.
func (s *Store) ListReleaseIDs(ctx context.Context, f ReleaseFilter) ([]int64, error) {
	ids, _, args := listSQL(f)
	rows, err := s.pool.Query(ctx, ids, args...)
	if err != nil {
		return nil, fmt.Errorf("listing releases: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("listing releases: %w", err)
	}
	if f.AfterID > 0 {
		// the Limit ids just above AfterID, then newest first
		slices.Sort(out)
		if f.Limit > 0 && len(out) > f.Limit {
			out = out[:f.Limit]
		}
		slices.Reverse(out)
		return out, nil
	}
	slices.SortFunc(out, func(a, b int64) int { return cmp.Compare(b, a) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// CountReleases counts the releases f's filters select (its BeforeID,
// AfterID and Limit are not read), stopping at upTo: a count of upTo
// means "upTo or more", so a listing of millions costs at most upTo
// index entries.
func (s *Store) CountReleases(ctx context.Context, f ReleaseFilter, upTo int64) (int64, error) {
	f.BeforeID, f.AfterID = 0, 0
	where, args := listWhere(f)
	sql := `SELECT count(*) FROM (SELECT 1 FROM releases q`
	if len(f.Statuses) > 0 {
		ss := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ss[i] = string(st)
		}
		args = append(args, ss)
		where = append(where, fmt.Sprintf("q.status = ANY($%d::text[])", len(args)))
	}
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, upTo)
	sql += fmt.Sprintf(" LIMIT $%d) x", len(args))
	var n int64
	if err := s.pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting releases: %w", err)
	}
	return n, nil
}

// ReleasesByID reads releases (without phases or artifacts, sensitive
// values blank) in ids' order; ids that do not exist are left out.
func (s *Store) ReleasesByID(ctx context.Context, ids []int64) ([]*release.Release, error) {
	rs, err := s.queryReleases(ctx, `SELECT `+releaseColumns+` FROM releases r JOIN environments e ON e.id = r.environment_id
		WHERE r.id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	slices.SortFunc(rs, func(a, b *release.Release) int { return cmp.Compare(pos[a.ID], pos[b.ID]) })
	return rs, nil
}

// queryReleases reads full release rows, sensitive values blank.
func (s *Store) queryReleases(ctx context.Context, sql string, args ...any) ([]*release.Release, error) {
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

// ExplainListReleases runs ListReleases's query for f under EXPLAIN
// (ANALYZE, BUFFERS) and returns the plan's text, for benchmarks and
// operators checking that the list stays flat as releases grow.
func (s *Store) ExplainListReleases(ctx context.Context, f ReleaseFilter) (string, error) {
	_, sql, args := listSQL(f)
	rows, err := s.pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+sql, args...)
	if err != nil {
		return "", fmt.Errorf("explaining the release list: %w", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", fmt.Errorf("explaining the release list: %w", err)
	}
	return strings.Join(lines, "\n"), nil
}

// listSQL is ListReleases's query (full rows) and arguments, and the
// query for the ids alone (unordered across statuses), which takes the
// same arguments.
// listWhere is the WHERE conditions (on releases q) of f's filters but
// the statuses, and their arguments ($1…).
func listWhere(f ReleaseFilter) (where []string, args []any) {
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	add := func(cond string, v any) { where = append(where, strings.ReplaceAll(cond, "?", arg(v))) }
	if f.Environment != "" {
		add("q.environment_id = (SELECT id FROM environments WHERE name = ?)", f.Environment)
	}
	if f.Environments != nil {
		add("q.environment_id = ANY(ARRAY(SELECT id FROM environments WHERE name = ANY(?)))", f.Environments)
	}
	if f.Template != "" {
		add("q.template = ?", f.Template)
	}
	if f.DeploymentType != "" {
		add("q.deployment_type = ?", string(f.DeploymentType))
	}
	if f.Type != "" {
		add("q.release_type = ?", string(f.Type))
	}
	if f.TriggeredBy != "" {
		add("q.triggered_by = ?", f.TriggeredBy)
	}
	if f.CreatedAfter != nil {
		add("q.created_at >= ?", *f.CreatedAfter)
	}
	if f.CreatedBefore != nil {
		add("q.created_at < ?", *f.CreatedBefore)
	}
	if f.BeforeID > 0 {
		add("q.id < ?", f.BeforeID)     // a range of the primary key
		add("(-q.id) > ?", -f.BeforeID) // the same, as a range of the list indexes
	}
	if f.AfterID > 0 {
		add("q.id > ?", f.AfterID)
		add("(-q.id) < ?", -f.AfterID)
	}
	return where, args
}

func listSQL(f ReleaseFilter) (idsSQL, rowsSQL string, args []any) {
	where, args := listWhere(f)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	limit := arg(f.Limit)
	descend := "(-q.id)"
	if f.AfterID > 0 {
		descend = "(-q.id) DESC" // the Limit closest above AfterID
	}
	var ids string
	if len(f.Statuses) > 0 {
		ss := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ss[i] = string(st)
		}
		cond := append([]string{"q.status = s.status"}, where...)
		ids = `SELECT x.id FROM unnest(` + arg(ss) + `::text[]) AS s(status) CROSS JOIN LATERAL (
			SELECT q.id FROM releases q WHERE ` + strings.Join(cond, " AND ") + ` ORDER BY ` + descend + ` LIMIT ` + limit + `) x`
	} else {
		order := "q.id DESC"
		if f.Environment != "" {
			order = "(-q.id)"
		}
		if f.AfterID > 0 {
			order = "q.id"
			if f.Environment != "" {
				order = "(-q.id) DESC"
			}
		}
		ids = `SELECT q.id FROM releases q`
		if len(where) > 0 {
			ids += " WHERE " + strings.Join(where, " AND ")
		}
		ids += " ORDER BY " + order + " LIMIT " + limit
	}
	outer := "r.id DESC"
	if f.AfterID > 0 {
		outer = "r.id" // the Limit closest above AfterID; ListReleases reverses them
	}
	return ids, `SELECT ` + releaseColumns + ` FROM (` + ids + `) ids JOIN releases r ON r.id = ids.id
		JOIN environments e ON e.id = r.environment_id ORDER BY ` + outer + ` LIMIT ` + limit, args
}

// AttachDetails loads the phases, artifacts and policy verdicts of listed
// releases (which ListReleases leaves out) in three queries for the whole page.
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
	rows, err = s.pool.Query(ctx, `SELECT ra.release_id, a.id, a.artifact_uri, a.build_id, a.stack_name, a.app_name, a.registration_metadata, a.created_at,
			ra.deploys_to
		FROM release_artifacts ra JOIN artifacts a ON a.id = ra.artifact_id WHERE ra.release_id = ANY($1) ORDER BY ra.release_id, ra.position`, ids)
	if err != nil {
		return fmt.Errorf("reading artifacts of %d releases: %w", len(ids), err)
	}
	for rows.Next() {
		var id int64
		var a release.Artifact
		if err := rows.Scan(&id, &a.ID, &a.URI, &a.BuildID, &a.StackName, &a.AppName, &a.RegistrationMetadata, &a.CreatedAt, &a.DeploysTo); err != nil {
			rows.Close()
			return fmt.Errorf("reading artifacts of %d releases: %w", len(ids), err)
		}
		byID[id].Artifacts = append(byID[id].Artifacts, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading artifacts of %d releases: %w", len(ids), err)
	}
	// the policy verdicts, as GetRelease reads them (few releases have any)
	rows, err = s.pool.Query(ctx, `SELECT release_id, phase, policy, version, source, verdict, overridable, denials, warnings, evaluated_at
		FROM release_policy_checks WHERE release_id = ANY($1) ORDER BY release_id, phase, policy`, ids)
	if err != nil {
		return fmt.Errorf("reading policy checks of %d releases: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c release.PolicyCheck
		if err := rows.Scan(&id, &c.Phase, &c.Policy, &c.Version, &c.Source, &c.Verdict, &c.Overridable, &c.Denials, &c.Warnings, &c.At); err != nil {
			return fmt.Errorf("reading policy checks of %d releases: %w", len(ids), err)
		}
		byID[id].PolicyChecks = append(byID[id].PolicyChecks, c)
	}
	return rows.Err()
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
	var phases, artifacts, checks []byte
	row := s.pool.QueryRow(ctx, `SELECT `+releaseColumns+`,
			coalesce((SELECT json_agg(json_build_object('index', p.idx, 'name', p.name, 'action', p.action, 'options', p.options,
					'status', p.status, 'started_at', p.started_at, 'finished_at', p.finished_at, 'duration_ms', p.duration_ms,
					'error', p.error) ORDER BY p.idx)
				FROM release_phases p WHERE p.release_id = r.id), '[]'),
			coalesce((SELECT json_agg(json_build_object('id', a.id, 'artifact_uri', a.artifact_uri, 'build_id', a.build_id,
					'stack_name', a.stack_name, 'app_name', a.app_name, 'registration_metadata', a.registration_metadata,
					'created_at', a.created_at, 'deploys_to', ra.deploys_to) ORDER BY ra.position)
				FROM release_artifacts ra JOIN artifacts a ON a.id = ra.artifact_id WHERE ra.release_id = r.id), '[]'),
			coalesce((SELECT json_agg(json_build_object('phase', c.phase, 'policy', c.policy, 'version', c.version, 'source', c.source, 'verdict', c.verdict,
					'overridable', c.overridable, 'denials', c.denials, 'warnings', c.warnings, 'at', c.evaluated_at) ORDER BY c.phase, c.policy)
				FROM release_policy_checks c WHERE c.release_id = r.id), '[]')
		FROM releases r JOIN environments e ON e.id = r.environment_id WHERE r.id = $1`, id)
	r, err := scanRelease(extraRow{Row: row, extra: []any{&phases, &artifacts, &checks}})
	if err != nil {
		return nil, dbErr{Missing: fmt.Sprintf("release %d", id), Doing: fmt.Sprintf("reading release %d", id)}.of(err)
	}
	blankSensitive(r.Variables)
	if err := json.Unmarshal(phases, &r.Phases); err != nil {
		return nil, fmt.Errorf("reading phases of release %d: %w", id, err)
	}
	if err := json.Unmarshal(artifacts, &r.Artifacts); err != nil {
		return nil, fmt.Errorf("reading artifacts of release %d: %w", id, err)
	}
	if err := json.Unmarshal(checks, &r.PolicyChecks); err != nil {
		return nil, fmt.Errorf("reading policy checks of release %d: %w", id, err)
	}
	if len(r.PolicyChecks) == 0 {
		r.PolicyChecks = nil // as AttachDetails leaves a release with none
	}
	return r, nil
}

// ReleaseStatus returns just a release's status: the cheap check a log
// stream makes to know whether more lines can come.
func (s *Store) ReleaseStatus(ctx context.Context, id int64) (release.Status, error) {
	var st string
	err := s.pool.QueryRow(ctx, `SELECT status FROM releases WHERE id = $1`, id).Scan(&st)
	if err != nil {
		return "", dbErr{Missing: fmt.Sprintf("release %d", id), Doing: fmt.Sprintf("reading the status of release %d", id)}.of(err)
	}
	return release.ParseStatus(st)
}

// CountReleasesByStatus counts the stored releases in each status (every
// status is present, zero or not).
func (s *Store) CountReleasesByStatus(ctx context.Context) (map[release.Status]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT status, count(*) FROM releases GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("counting releases: %w", err)
	}
	defer rows.Close()
	out := make(map[release.Status]int64, len(release.Statuses))
	for _, st := range release.Statuses {
		out[st] = 0
	}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("counting releases: %w", err)
		}
		out[release.Status(st)] = n
	}
	return out, rows.Err()
}

// EnvironmentQueue lists environment env's releases that have not
// finished, in the order they run: those in progress or waiting for
// approval first, then the queued ones oldest first (the claim takes them
// in that order); at most limit queued ones (default 200).
func (s *Store) EnvironmentQueue(ctx context.Context, env string, limit int) ([]*release.Release, error) {
	if limit <= 0 {
		limit = 200
	}
	active, err := s.queryReleases(ctx, `SELECT `+releaseColumns+` FROM releases r JOIN environments e ON e.id = r.environment_id
		WHERE e.name = $1 AND r.status IN ('`+string(release.StatusInProgress)+`', '`+string(release.StatusPendingApproval)+`') ORDER BY r.id`, env)
	if err != nil {
		return nil, err
	}
	queued, err := s.queryReleases(ctx, `SELECT `+releaseColumns+` FROM releases r JOIN environments e ON e.id = r.environment_id
		WHERE e.name = $1 AND r.status = '`+string(release.StatusQueued)+`' ORDER BY r.id LIMIT $2`, env, limit)
	if err != nil {
		return nil, err
	}
	return append(active, queued...), nil
}
