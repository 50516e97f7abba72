package store

import (
	"context"
	"fmt"
	"path"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file is the stored policies and the releases' verdicts (migration
// 0046).

const policyColumns = `name, version, description, module, environments, overridable, updated_by, created_at, updated_at`

func scanPolicy(row pgx.Row) (*release.Policy, error) {
	var p release.Policy
	err := row.Scan(&p.Name, &p.Version, &p.Description, &p.Module, &p.Environments, &p.Overridable, &p.UpdatedBy, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if p.Environments == nil {
		p.Environments = []string{}
	}
	return &p, nil
}

// PutPolicy creates policy p.Name or replaces its module and settings;
// its version is 1 when created and counts up with every change of the
// module. It returns the policy as stored and whether it was created.
func (s *Store) PutPolicy(ctx context.Context, p *release.Policy) (*release.Policy, bool, error) {
	envs := p.Environments
	if envs == nil {
		envs = []string{}
	}
	var created bool
	var out *release.Policy
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		row := tx.QueryRow(ctx, `INSERT INTO policies AS p (name, description, module, environments, overridable, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (name) DO UPDATE SET
				version = p.version + CASE WHEN p.module = excluded.module THEN 0 ELSE 1 END,
				description = excluded.description, module = excluded.module, environments = excluded.environments,
				overridable = excluded.overridable, updated_by = excluded.updated_by, updated_at = now()
			RETURNING `+policyColumns+`, (xmax = 0)`, p.Name, p.Description, p.Module, envs, p.Overridable, p.UpdatedBy)
		var err error
		out, err = scanPolicy(extraRow{Row: row, extra: []any{&created}})
		return err
	})
	if err != nil {
		return nil, false, dbErr{Doing: fmt.Sprintf("storing policy %q", p.Name)}.of(err)
	}
	return out, created, nil
}

// GetPolicy reads one policy; ErrNotFound when there is none.
func (s *Store) GetPolicy(ctx context.Context, name string) (*release.Policy, error) {
	p, err := scanPolicy(s.pool.QueryRow(ctx, `SELECT `+policyColumns+` FROM policies WHERE name = $1`, name))
	if err != nil {
		return nil, dbErr{Missing: fmt.Sprintf("policy %q", name), Doing: fmt.Sprintf("reading policy %q", name)}.of(err)
	}
	return p, nil
}

// ListPolicies lists every policy by name.
func (s *Store) ListPolicies(ctx context.Context) ([]*release.Policy, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+policyColumns+` FROM policies ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("listing policies: %w", err)
	}
	defer rows.Close()
	out := []*release.Policy{}
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, fmt.Errorf("listing policies: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeletePolicy removes a policy; releases keep the verdicts it gave.
// ErrNotFound when there is none.
func (s *Store) DeletePolicy(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM policies WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("deleting policy %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("policy %q: %w", name, ErrNotFound)
	}
	return nil
}

// PoliciesFor lists the policies that apply to environment env (those
// with no environments, or one that is env's name or a pattern matching
// it, path.Match's syntax), by name.
func (s *Store) PoliciesFor(ctx context.Context, env string) ([]*release.Policy, error) {
	all, err := s.ListPolicies(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, p := range all {
		if AppliesTo(p, env) {
			out = append(out, p)
		}
	}
	return out, nil
}

// AppliesTo reports whether policy p applies to environment env.
func AppliesTo(p *release.Policy, env string) bool {
	if len(p.Environments) == 0 {
		return true
	}
	for _, pat := range p.Environments {
		if ok, err := path.Match(pat, env); err == nil && ok {
			return true
		}
	}
	return false
}

// RecordPolicyChecks stores the verdicts of a release's policy phase,
// replacing what an earlier run of that phase recorded.
func (s *Store) RecordPolicyChecks(ctx context.Context, releaseID int64, phase string, checks []release.PolicyCheck) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM release_policy_checks WHERE release_id = $1 AND phase = $2`, releaseID, phase); err != nil {
			return err
		}
		for _, c := range checks {
			denials, warnings := c.Denials, c.Warnings
			if denials == nil {
				denials = []string{}
			}
			if warnings == nil {
				warnings = []string{}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO release_policy_checks (release_id, phase, policy, version, source, verdict, overridable, denials, warnings)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, releaseID, phase, c.Policy, c.Version, c.Source, c.Verdict, c.Overridable, denials, warnings); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording the policy checks of release %d phase %s: %w", releaseID, phase, err)
	}
	return nil
}
