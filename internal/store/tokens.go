package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Token is an API token as stored: its secret is never kept, only the
// SHA-256 of it.
type Token struct {
	ID        int64      `json:"-"`
	Name      string     `json:"name"`
	Hash      []byte     `json:"-"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// CreateToken stores a token by the hash of its secret and sets its ID and
// creation time. A name is never reused, even after its token is revoked.
func (s *Store) CreateToken(ctx context.Context, t *Token) error {
	if t.Name == "" {
		return errors.New("a token needs a name")
	}
	if len(t.Hash) == 0 || len(t.Scopes) == 0 {
		return fmt.Errorf("token %q needs a hash and at least one scope", t.Name)
	}
	err := s.pool.QueryRow(ctx, `INSERT INTO api_tokens (name, hash, scopes) VALUES ($1, $2, $3) RETURNING id, created_at`,
		t.Name, t.Hash, t.Scopes).Scan(&t.ID, &t.CreatedAt)
	if err != nil {
		return dbErr{Duplicate: fmt.Sprintf("a token named %q already exists (names of revoked tokens are not reused)", t.Name), Doing: fmt.Sprintf("creating token %q", t.Name)}.of(err)
	}
	return nil
}

const tokenColumns = `id, name, hash, scopes, created_at, revoked_at`

func scanToken(row pgx.Row) (*Token, error) {
	var t Token
	if err := row.Scan(&t.ID, &t.Name, &t.Hash, &t.Scopes, &t.CreatedAt, &t.RevokedAt); err != nil {
		return nil, err
	}
	return &t, nil
}

// TokenByHash returns the live (unrevoked) token whose secret hashes to
// hash, or ErrNotFound.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL`, hash))
	if err != nil {
		return nil, dbErr{Missing: "token", Doing: "looking up a token"}.of(err)
	}
	return t, nil
}

// ListTokens returns every token by name, revoked ones included.
func (s *Store) ListTokens(ctx context.Context) ([]*Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("listing tokens: %w", err)
	}
	defer rows.Close()
	out := []*Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("listing tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a live token by name and announces it on
// TokenChannel. ErrNotFound when there is no such token, ErrConflict when
// it was already revoked.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var revoked *time.Time
		err := tx.QueryRow(ctx, `SELECT revoked_at FROM api_tokens WHERE name = $1 FOR UPDATE`, name).Scan(&revoked)
		if err != nil {
			return dbErr{Missing: fmt.Sprintf("token %q", name), Doing: fmt.Sprintf("revoking token %q", name)}.of(err)
		}
		if revoked != nil {
			return fmt.Errorf("token %q was already revoked at %s: %w", name, revoked.Format(time.RFC3339), ErrConflict)
		}
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE name = $1`, name); err != nil {
			return fmt.Errorf("revoking token %q: %w", name, err)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, TokenChannel, name); err != nil {
			return fmt.Errorf("announcing the revocation of token %q: %w", name, err)
		}
		return nil
	})
}
