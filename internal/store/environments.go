package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

const environmentColumns = `id, name, namespace, source, default_template, approval_required, variables, phase_timeouts, created_at, updated_at,
	paused_at, paused_by, paused_reason, maintenance_windows, runner,
	coalesce((SELECT u.name FROM environments u WHERE u.id = environments.upstream_id), ''), require_upstream_signoff`

// CreateEnvironment stores a new environment and sets its ID and times.
// Sensitive variable values are sealed before they are written.
func (s *Store) CreateEnvironment(ctx context.Context, env *release.Environment) error {
	if env.Namespace == "" {
		env.Namespace = "default"
	}
	if env.DefaultTemplate == "" {
		env.DefaultTemplate = "terraform-apply"
	}
	if env.Runner == "" {
		env.Runner = release.RunnerWorker
	}
	env.Source.Normalize()
	if err := env.Validate(); err != nil {
		return err
	}
	vars, timeouts, err := s.encodeEnvironment(env)
	if err != nil {
		return err
	}
	src, err := s.sealSource(env.Source, nil)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var upstreamID *int64
		if env.Upstream != "" {
			if upstreamID, err = upstreamOf(ctx, tx, 0, env.Name, env.Upstream); err != nil {
				return err
			}
		}
		err = tx.QueryRow(ctx, `INSERT INTO environments (name, namespace, source, default_template, approval_required, variables, phase_timeouts,
				maintenance_windows, runner, upstream_id, require_upstream_signoff)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id, created_at, updated_at`,
			env.Name, env.Namespace, src, env.DefaultTemplate, env.ApprovalRequired, vars, timeouts, windowsJSON(env.MaintenanceWindows), env.Runner,
			upstreamID, env.RequireUpstreamSignOff,
		).Scan(&env.ID, &env.CreatedAt, &env.UpdatedAt)
		if err != nil {
			return dbErr{Duplicate: fmt.Sprintf("environment %q already exists", env.Name), Doing: fmt.Sprintf("creating environment %q", env.Name)}.of(err)
		}
		return nil
	})
}

// UpdateEnvironment replaces an environment's settings (found by name). A
// sensitive variable given with an empty value keeps its stored value, and
// so does a blank source credential when the source kind stays the same.
func (s *Store) UpdateEnvironment(ctx context.Context, env *release.Environment) error {
	if env.Runner == "" {
		env.Runner = release.RunnerWorker
	}
	env.Source.Normalize()
	if err := env.Validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		old, err := scanEnvironment(tx.QueryRow(ctx, `SELECT `+environmentColumns+` FROM environments WHERE name = $1 FOR UPDATE`, env.Name))
		if err != nil {
			return dbErr{Missing: fmt.Sprintf("environment %q", env.Name), Doing: fmt.Sprintf("reading environment %q", env.Name)}.of(err)
		}
		kept := map[string]string{}
		for _, v := range old.Variables {
			if v.Sensitive {
				kept[v.Name] = v.Value
			}
		}
		vars, timeouts, err := s.encodeEnvironment(env)
		if err != nil {
			return err
		}
		var decoded []release.Variable
		_ = json.Unmarshal(vars, &decoded)
		for i, v := range decoded {
			if v.Sensitive && v.Value == "" {
				decoded[i].Value = kept[v.Name]
			}
		}
		vars, _ = json.Marshal(decoded)
		src, err := s.sealSource(env.Source, &old.Source)
		if err != nil {
			return err
		}
		var upstreamID *int64
		if env.Upstream != "" {
			if upstreamID, err = upstreamOf(ctx, tx, old.ID, env.Name, env.Upstream); err != nil {
				return err
			}
		}
		err = tx.QueryRow(ctx, `UPDATE environments SET namespace = $2, source = $3, default_template = $4, approval_required = $5,
			variables = $6, phase_timeouts = $7, maintenance_windows = $8, runner = $9, upstream_id = $10, require_upstream_signoff = $11,
			updated_at = now() WHERE name = $1 RETURNING id, created_at, updated_at`,
			env.Name, env.Namespace, src, env.DefaultTemplate, env.ApprovalRequired, vars, timeouts, windowsJSON(env.MaintenanceWindows), env.Runner,
			upstreamID, env.RequireUpstreamSignOff,
		).Scan(&env.ID, &env.CreatedAt, &env.UpdatedAt)
		if err != nil {
			return fmt.Errorf("updating environment %q: %w", env.Name, err)
		}
		return nil
	})
}

func (s *Store) encodeEnvironment(env *release.Environment) (vars, timeouts []byte, err error) {
	if vars, err = s.sealVariables(env.Variables); err != nil {
		return nil, nil, err
	}
	ts := map[string]string{}
	for a, d := range env.PhaseTimeouts {
		ts[string(a)] = d.String()
	}
	timeouts, err = json.Marshal(ts)
	return vars, timeouts, err
}

// GetEnvironment returns an environment by name, sensitive values blanked.
func (s *Store) GetEnvironment(ctx context.Context, name string) (*release.Environment, error) {
	env, err := scanEnvironment(s.pool.QueryRow(ctx, `SELECT `+environmentColumns+` FROM environments WHERE name = $1`, name))
	if err != nil {
		return nil, dbErr{Missing: fmt.Sprintf("environment %q", name), Doing: fmt.Sprintf("reading environment %q", name)}.of(err)
	}
	blankSensitive(env.Variables)
	blankSource(&env.Source)
	return env, nil
}

// EnvironmentForRun returns an environment with its sensitive values opened,
// for a worker to pass to terraform. Nothing else may call it.
func (s *Store) EnvironmentForRun(ctx context.Context, name string) (*release.Environment, error) {
	env, err := scanEnvironment(s.pool.QueryRow(ctx, `SELECT `+environmentColumns+` FROM environments WHERE name = $1`, name))
	if err != nil {
		return nil, dbErr{Missing: fmt.Sprintf("environment %q", name), Doing: fmt.Sprintf("reading environment %q", name)}.of(err)
	}
	if err := s.openVariables(env.Variables); err != nil {
		return nil, fmt.Errorf("environment %q: %w", name, err)
	}
	if err := s.openSource(&env.Source); err != nil {
		return nil, fmt.Errorf("environment %q: %w", name, err)
	}
	return env, nil
}

func (s *Store) openVariables(vars []release.Variable) error {
	for i, v := range vars {
		if !v.Sensitive || v.Value == "" {
			continue
		}
		if s.box == nil {
			return fmt.Errorf("variable %q is sealed but no secret key is configured", v.Name)
		}
		plain, err := s.box.Open(v.Value)
		if err != nil {
			return fmt.Errorf("variable %q: %w", v.Name, err)
		}
		vars[i].Value = plain
	}
	return nil
}

func blankSensitive(vars []release.Variable) {
	for i := range vars {
		if vars[i].Sensitive {
			vars[i].Value = ""
		}
	}
}

// ListEnvironments returns every environment by name, sensitive values blanked.
func (s *Store) ListEnvironments(ctx context.Context) ([]*release.Environment, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+environmentColumns+` FROM environments ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("listing environments: %w", err)
	}
	defer rows.Close()
	var out []*release.Environment
	for rows.Next() {
		env, err := scanEnvironment(rows)
		if err != nil {
			return nil, fmt.Errorf("listing environments: %w", err)
		}
		blankSensitive(env.Variables)
		blankSource(&env.Source)
		out = append(out, env)
	}
	return out, rows.Err()
}

func scanEnvironment(row pgx.Row) (*release.Environment, error) {
	var env release.Environment
	var timeouts map[string]string
	var pausedAt *time.Time
	var pausedBy, pausedReason string
	if err := row.Scan(&env.ID, &env.Name, &env.Namespace, &env.Source, &env.DefaultTemplate, &env.ApprovalRequired,
		&env.Variables, &timeouts, &env.CreatedAt, &env.UpdatedAt, &pausedAt, &pausedBy, &pausedReason, &env.MaintenanceWindows, &env.Runner,
		&env.Upstream, &env.RequireUpstreamSignOff); err != nil {
		return nil, err
	}
	if pausedAt != nil {
		env.Paused = &release.Pause{By: pausedBy, At: *pausedAt, Reason: pausedReason}
	}
	env.Source.Normalize() // stored before source kinds existed
	if len(timeouts) > 0 {
		env.PhaseTimeouts = map[release.Action]time.Duration{}
		for a, v := range timeouts {
			d, err := time.ParseDuration(v)
			if err != nil {
				return nil, fmt.Errorf("environment %q has a bad timeout %q for %s phases: %w", env.Name, v, a, err)
			}
			env.PhaseTimeouts[release.Action(a)] = d
		}
	}
	return &env, nil
}

// PauseEnvironment pauses environment name: its queued releases wait
// until ResumeEnvironment. Pausing a paused environment changes nothing
// and says so (ErrConflict); a missing one is ErrNotFound.
func (s *Store) PauseEnvironment(ctx context.Context, name, by, reason string) (*release.Pause, error) {
	var p release.Pause
	err := s.pool.QueryRow(ctx, `UPDATE environments SET paused_at = now(), paused_by = $2, paused_reason = $3
		WHERE name = $1 AND paused_at IS NULL RETURNING paused_by, paused_at, paused_reason`, name, by, reason).Scan(&p.By, &p.At, &p.Reason)
	if isNoRows(err) {
		env, gerr := s.GetEnvironment(ctx, name)
		if gerr != nil {
			return nil, gerr
		}
		if env.Paused != nil {
			return nil, fmt.Errorf("environment %q is already paused (by %s at %s: %s): %w", name, env.Paused.By,
				env.Paused.At.UTC().Format(time.RFC3339), env.Paused.Reason, ErrConflict)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("pausing environment %q: %w", name, err)
	}
	return &p, nil
}

// ResumeEnvironment resumes environment name; its queued releases run in
// the order they were queued (the database wakes the workers). Resuming
// one that is not paused is ErrConflict; a missing one ErrNotFound.
func (s *Store) ResumeEnvironment(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE environments SET paused_at = NULL, paused_by = '', paused_reason = '' WHERE name = $1 AND paused_at IS NOT NULL`, name)
	if err != nil {
		return fmt.Errorf("resuming environment %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := s.GetEnvironment(ctx, name); err != nil {
			return err
		}
		return fmt.Errorf("environment %q is not paused: %w", name, ErrConflict)
	}
	return nil
}

// windowsJSON is an environment's maintenance windows as stored ('[]' for none).
func windowsJSON(ws []release.MaintenanceWindow) []release.MaintenanceWindow {
	if ws == nil {
		return []release.MaintenanceWindow{}
	}
	return ws
}

// closedEnvironments lists the environments whose maintenance windows are
// all closed at t: the claim leaves their releases queued.
func (s *Store) closedEnvironments(ctx context.Context, q Querier, t time.Time) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT id, maintenance_windows FROM environments WHERE maintenance_windows <> '[]'::jsonb`)
	if err != nil {
		return nil, fmt.Errorf("reading maintenance windows: %w", err)
	}
	defer rows.Close()
	closed := []int64{}
	for rows.Next() {
		var id int64
		var ws []release.MaintenanceWindow
		if err := rows.Scan(&id, &ws); err != nil {
			return nil, fmt.Errorf("reading maintenance windows: %w", err)
		}
		if !release.WindowsOpen(ws, t) {
			closed = append(closed, id)
		}
	}
	return closed, rows.Err()
}

// UpstreamError says why an environment cannot have the upstream it names.
type UpstreamError struct {
	Environment, Upstream string
	Reason                string // "does not exist", "is downstream of staging: ..."
}

func (e *UpstreamError) Error() string {
	return fmt.Sprintf("environment %q cannot have %q upstream: %q %s", e.Environment, e.Upstream, e.Upstream, e.Reason)
}

// upstreamOf finds the environment upstream names for environment id
// (named env), refusing one that does not exist or that would close a
// loop (env upstream of its own upstream, however far up). The chain is
// read locked, so two updates cannot close a loop between them.
func upstreamOf(ctx context.Context, tx pgx.Tx, id int64, env, upstream string) (*int64, error) {
	var upID int64
	err := tx.QueryRow(ctx, `SELECT id FROM environments WHERE name = $1 FOR SHARE`, upstream).Scan(&upID)
	if isNoRows(err) {
		return nil, &UpstreamError{Environment: env, Upstream: upstream, Reason: "does not exist"}
	}
	if err != nil {
		return nil, fmt.Errorf("reading upstream %q of %q: %w", upstream, env, err)
	}
	chain := []string{upstream}
	for cur := upID; ; {
		if cur == id {
			// the stream as releases flow, upstream first: env → ... → upstream → env
			flow := append([]string{env}, chain...)
			slices.Reverse(flow)
			return nil, &UpstreamError{Environment: env, Upstream: upstream,
				Reason: "is downstream of it already (" + strings.Join(flow, " → ") + "): a release stream cannot loop"}
		}
		var next *int64
		var name string
		err := tx.QueryRow(ctx, `SELECT u.id, coalesce(u.name, '') FROM environments e LEFT JOIN environments u ON u.id = e.upstream_id
			WHERE e.id = $1 FOR SHARE OF e`, cur).Scan(&next, &name)
		if err != nil {
			return nil, fmt.Errorf("reading the upstream chain of %q: %w", env, err)
		}
		if next == nil || len(chain) > 100 {
			break
		}
		cur = *next
		chain = append(chain, name)
	}
	return &upID, nil
}
