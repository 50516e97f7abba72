package store

import (
	"context"
	"fmt"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// DeploymentFilter picks application deployments: of one environment, of
// one release, or both.
type DeploymentFilter struct {
	Environment string
	ReleaseID   int64
	Limit       int // default 100
}

// Deployments returns application deployments, newest first.
func (s *Store) Deployments(ctx context.Context, f DeploymentFilter) ([]release.ApplicationDeployment, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT d.id, d.release_id, e.name, a.id, a.artifact_uri, a.app_name, a.stack_name, a.build_id, d.deployed_at
		FROM application_deployments d JOIN environments e ON e.id = d.environment_id JOIN artifacts a ON a.id = d.artifact_id
		WHERE ($1 = '' OR e.name = $1) AND ($2 = 0 OR d.release_id = $2) ORDER BY d.id DESC LIMIT $3`, f.Environment, f.ReleaseID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("reading deployments (environment %q, release %d): %w", f.Environment, f.ReleaseID, err)
	}
	defer rows.Close()
	out := []release.ApplicationDeployment{}
	for rows.Next() {
		var d release.ApplicationDeployment
		if err := rows.Scan(&d.ID, &d.ReleaseID, &d.Environment, &d.ArtifactID, &d.ArtifactURI, &d.AppName, &d.StackName, &d.BuildID, &d.DeployedAt); err != nil {
			return nil, fmt.Errorf("reading deployments: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// ResourceEvent is one release's planned change to one address.
type ResourceEvent struct {
	ReleaseID   int64
	Status      release.Status
	CreatedAt   time.Time
	TriggeredBy string
	Template    string
	Change      StoredChange
}

// ResourceHistory returns, newest release first, every change releases of
// an environment planned for one address (no-op and read changes left out),
// at most limit (default 100). Its condition on release_changes is the
// partial index release_changes_history's (migration 0065).
func (s *Store) ResourceHistory(ctx context.Context, env, address string, limit int) ([]ResourceEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT r.id, r.status, r.created_at, r.triggered_by, r.template, c.phase, c.seq
		FROM release_changes c JOIN releases r ON r.id = c.release_id JOIN environments e ON e.id = r.environment_id
		WHERE e.name = $1 AND c.address = $2 AND c.kind = 'resource' AND c.action NOT IN ('no-op', 'read')
		ORDER BY r.id DESC, c.phase, c.seq LIMIT $3`, env, address, limit)
	if err != nil {
		return nil, fmt.Errorf("reading the history of %s in %s: %w", address, env, err)
	}
	var out []ResourceEvent
	for rows.Next() {
		var ev ResourceEvent
		if err := rows.Scan(&ev.ReleaseID, &ev.Status, &ev.CreatedAt, &ev.TriggeredBy, &ev.Template, &ev.Change.Phase, &ev.Change.Seq); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading the history of %s in %s: %w", address, env, err)
		}
		out = append(out, ev)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the history of %s in %s: %w", address, env, err)
	}
	// Each change whole, with its fields, through the one change reader.
	for i := range out {
		cs, err := s.ListChanges(ctx, out[i].ReleaseID, ChangeFilter{Phase: out[i].Change.Phase, AddressPrefix: address, IncludeNoOp: true, Limit: 5000})
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c.Seq == out[i].Change.Seq {
				out[i].Change = c
			}
		}
	}
	if out == nil {
		out = []ResourceEvent{}
	}
	return out, nil
}

// ChangeFacets counts a release's changes of one kind (default resource)
// by action, module ("" for the root) and type, for filter choices.
func (s *Store) ChangeFacets(ctx context.Context, releaseID int64, kind release.ChangeKind) (ChangeCounts, error) {
	if kind == "" {
		kind = release.KindResource
	}
	out := ChangeCounts{Actions: map[string]int{}, Modules: map[string]int{}, Types: map[string]int{}}
	rows, err := s.pool.Query(ctx, `SELECT action, coalesce(module_address, ''), type, count(*) FROM release_changes
		WHERE release_id = $1 AND kind = $2 GROUP BY 1, 2, 3`, releaseID, string(kind))
	if err != nil {
		return out, fmt.Errorf("counting changes of release %d: %w", releaseID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var action, module, typ string
		var n int
		if err := rows.Scan(&action, &module, &typ, &n); err != nil {
			return out, fmt.Errorf("counting changes of release %d: %w", releaseID, err)
		}
		out.Actions[action] += n
		out.Modules[module] += n
		out.Types[typ] += n
	}
	return out, rows.Err()
}

// ChangeCounts is how many changes there are of each action, module and
// type.
type ChangeCounts struct {
	Actions map[string]int `json:"actions"`
	Modules map[string]int `json:"modules"`
	Types   map[string]int `json:"types"`
}
