package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// RoleBinding gives a subject a role on the environments whose names match
// Environment ("*" for all, a path.Match pattern such as "prod-*", or one
// name). SubjectKind is "user" (the name the identity provider signs in),
// "group" (a name in the provider's groups claim) or "token" (an API
// token's name); Role is "viewer", "deployer", "approver" or "admin".
type RoleBinding struct {
	ID          int64     `json:"id"`
	SubjectKind string    `json:"subject_kind"`
	Subject     string    `json:"subject"`
	Role        string    `json:"role"`
	Environment string    `json:"environment"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

const roleBindingColumns = `id, subject_kind, subject, role, environment, created_by, created_at`

func scanRoleBindings(rows pgx.Rows, doing string) ([]RoleBinding, error) {
	defer rows.Close()
	out := []RoleBinding{}
	for rows.Next() {
		var b RoleBinding
		if err := rows.Scan(&b.ID, &b.SubjectKind, &b.Subject, &b.Role, &b.Environment, &b.CreatedBy, &b.CreatedAt); err != nil {
			return nil, fmt.Errorf("%s: %w", doing, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	return out, nil
}

// CreateRoleBinding stores b and sets its ID and creation time.
// ErrConflict when the same subject already has the same role on the same
// pattern; ErrInvalid for a kind or role the table does not take.
func (s *Store) CreateRoleBinding(ctx context.Context, b *RoleBinding) error {
	err := s.pool.QueryRow(ctx, `INSERT INTO role_bindings (subject_kind, subject, role, environment, created_by)
		VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at`,
		b.SubjectKind, b.Subject, b.Role, b.Environment, b.CreatedBy).Scan(&b.ID, &b.CreatedAt)
	if err != nil {
		return dbErr{Duplicate: fmt.Sprintf("%s %q already has role %s on %q", b.SubjectKind, b.Subject, b.Role, b.Environment),
			Doing: fmt.Sprintf("binding %s %q to role %s", b.SubjectKind, b.Subject, b.Role)}.of(err)
	}
	return nil
}

// ListRoleBindings lists every binding by subject kind, subject, role and
// environment pattern.
func (s *Store) ListRoleBindings(ctx context.Context) ([]RoleBinding, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+roleBindingColumns+` FROM role_bindings ORDER BY subject_kind, subject, role, environment`)
	if err != nil {
		return nil, fmt.Errorf("listing role bindings: %w", err)
	}
	return scanRoleBindings(rows, "listing role bindings")
}

// RoleBindingsOf lists the bindings of a token (by name), or of a user and
// the groups they are in: token "" reads the user's and groups' only, user
// "" the token's only.
func (s *Store) RoleBindingsOf(ctx context.Context, token, user string, groups []string) ([]RoleBinding, error) {
	if groups == nil {
		groups = []string{}
	}
	rows, err := s.pool.Query(ctx, `SELECT `+roleBindingColumns+` FROM role_bindings
		WHERE (subject_kind = 'token' AND subject = $1) OR (subject_kind = 'user' AND subject = $2)
		   OR (subject_kind = 'group' AND subject = ANY($3))
		ORDER BY id`, token, user, groups)
	if err != nil {
		return nil, fmt.Errorf("reading role bindings: %w", err)
	}
	return scanRoleBindings(rows, "reading role bindings")
}

// DeleteRoleBinding removes binding id and returns it as it was;
// ErrNotFound when there is none.
func (s *Store) DeleteRoleBinding(ctx context.Context, id int64) (*RoleBinding, error) {
	rows, err := s.pool.Query(ctx, `DELETE FROM role_bindings WHERE id = $1 RETURNING `+roleBindingColumns, id)
	if err != nil {
		return nil, fmt.Errorf("deleting role binding %d: %w", id, err)
	}
	bs, err := scanRoleBindings(rows, fmt.Sprintf("deleting role binding %d", id))
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, fmt.Errorf("role binding %d: %w", id, ErrNotFound)
	}
	return &bs[0], nil
}

// ReleaseEnvironment is the name of the environment release id belongs to,
// for authorizing a request about it; ErrNotFound when there is no such
// release.
func (s *Store) ReleaseEnvironment(ctx context.Context, id int64) (string, error) {
	var name string
	err := s.pool.QueryRow(ctx, `SELECT e.name FROM releases r JOIN environments e ON e.id = r.environment_id WHERE r.id = $1`, id).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("release %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("reading the environment of release %d: %w", id, err)
	}
	return name, nil
}
