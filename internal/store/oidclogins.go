package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// LoginFlow is a sign-in with the identity provider under way: the
// SHA-256 of its state (StateHash) and of the browser's binding cookie
// (BindingHash), the nonce the ID token must carry and the page to go to
// after. The PKCE code verifier is not kept: it is derived from the
// binding cookie, which only the browser holds (internal/oidclogin).
type LoginFlow struct {
	StateHash, BindingHash []byte
	Nonce, Next            string
	Expires                time.Time
}

// CreateLoginFlow stores f (and, on the way, deletes flows that expired).
func (s *Store) CreateLoginFlow(ctx context.Context, f LoginFlow) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM oidc_logins WHERE expires_at <= now()`); err != nil {
		return fmt.Errorf("deleting expired sign-ins: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO oidc_logins (state_hash, binding_hash, nonce, next, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		f.StateHash, f.BindingHash, f.Nonce, f.Next, f.Expires); err != nil {
		return fmt.Errorf("storing a sign-in: %w", err)
	}
	return nil
}

// TakeLoginFlow deletes and returns the live flow of a state's SHA-256:
// each state is taken once. ErrNotFound when there is none (never made,
// already taken, or expired).
func (s *Store) TakeLoginFlow(ctx context.Context, stateHash []byte) (*LoginFlow, error) {
	var f LoginFlow
	err := s.pool.QueryRow(ctx, `DELETE FROM oidc_logins WHERE state_hash = $1 RETURNING state_hash, binding_hash, nonce, next, expires_at`,
		stateHash).Scan(&f.StateHash, &f.BindingHash, &f.Nonce, &f.Next, &f.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("sign-in state: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("taking a sign-in: %w", err)
	}
	if !f.Expires.After(time.Now()) {
		return nil, fmt.Errorf("sign-in state expired at %s: %w", f.Expires.Format(time.RFC3339), ErrNotFound)
	}
	return &f, nil
}
