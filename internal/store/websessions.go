package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// WebSession limits: a session unused for SessionIdle, or older than
// SessionMax, is over.
const (
	SessionIdle = 12 * time.Hour
	SessionMax  = 7 * 24 * time.Hour
	// sessionTouch is how stale last_seen may get before a read refreshes
	// it (so that a page full of requests costs one write at most).
	sessionTouch = time.Minute
)

// CreateWebSession stores a browser session by the SHA-256 of its id
// (hash, 32 bytes) for the live token named tokenName; it ends after
// SessionMax at the latest. ErrNotFound when the token is not live.
func (s *Store) CreateWebSession(ctx context.Context, hash []byte, tokenName string) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO web_sessions (hash, token_id, expires_at)
		SELECT $1, id, now() + make_interval(secs => $3) FROM api_tokens WHERE name = $2 AND revoked_at IS NULL`,
		hash, tokenName, SessionMax.Seconds())
	if err != nil {
		return fmt.Errorf("creating a web session for token %q: %w", tokenName, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("token %q: %w", tokenName, ErrNotFound)
	}
	return nil
}

// CreateUserWebSession stores a browser session of a person signed in with
// the identity provider (hash is the SHA-256 of the session id, 32 bytes):
// their name and the groups the provider gave at this sign-in. It ends
// after SessionMax at the latest, or SessionIdle unused.
func (s *Store) CreateUserWebSession(ctx context.Context, hash []byte, user string, groups []string) error {
	if user == "" {
		return errors.New("a person's web session needs their name")
	}
	if groups == nil {
		groups = []string{}
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO web_sessions (hash, user_name, user_groups, expires_at)
		VALUES ($1, $2, $3, now() + make_interval(secs => $4))`, hash, user, groups, SessionMax.Seconds()); err != nil {
		return fmt.Errorf("creating a web session for %q: %w", user, err)
	}
	return nil
}

// WebSession is whose a live browser session is: a token's (Token set)
// or a person's signed in with the identity provider (User and the Groups
// the provider gave at sign-in).
type WebSession struct {
	Token  *Token
	User   string
	Groups []string
}

// WebSessionOwner returns whose a live session is (hash is the SHA-256 of
// the session id), refreshing its idle clock; ErrNotFound when the session
// is unknown, idle for SessionIdle, past SessionMax, or its token was
// revoked.
func (s *Store) WebSessionOwner(ctx context.Context, hash []byte) (*WebSession, error) {
	var (
		lastSeen          time.Time
		tokID             *int64
		tokName, user     *string
		tokHash           []byte
		tokScopes, groups []string
		tokCreated        *time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT t.id, t.name, t.hash, t.scopes, t.created_at, w.user_name, w.user_groups, w.last_seen
		FROM web_sessions w LEFT JOIN api_tokens t ON t.id = w.token_id
		WHERE w.hash = $1 AND (w.token_id IS NULL OR t.revoked_at IS NULL) AND w.expires_at > now()
		  AND w.last_seen > now() - make_interval(secs => $2)`,
		hash, SessionIdle.Seconds()).Scan(&tokID, &tokName, &tokHash, &tokScopes, &tokCreated, &user, &groups, &lastSeen)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("web session: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("looking up a web session: %w", err)
	}
	if time.Since(lastSeen) > sessionTouch {
		if _, err := s.pool.Exec(ctx, `UPDATE web_sessions SET last_seen = now() WHERE hash = $1`, hash); err != nil {
			return nil, fmt.Errorf("refreshing a web session: %w", err)
		}
	}
	if tokID != nil {
		return &WebSession{Token: &Token{ID: *tokID, Name: *tokName, Hash: tokHash, Scopes: tokScopes, CreatedAt: *tokCreated}}, nil
	}
	return &WebSession{User: *user, Groups: groups}, nil
}

// WebSessionToken returns the live token of a live token session
// (WebSessionOwner's errors; ErrNotFound for a person's session too).
func (s *Store) WebSessionToken(ctx context.Context, hash []byte) (*Token, error) {
	ws, err := s.WebSessionOwner(ctx, hash)
	if err != nil {
		return nil, err
	}
	if ws.Token == nil {
		return nil, fmt.Errorf("web session of a token: %w", ErrNotFound)
	}
	return ws.Token, nil
}

// DeleteWebSession ends a session (no error when there is none) and, on
// the way, deletes sessions that are over.
func (s *Store) DeleteWebSession(ctx context.Context, hash []byte) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE hash = $1 OR expires_at <= now()
		OR last_seen <= now() - make_interval(secs => $2)`, hash, SessionIdle.Seconds()); err != nil {
		return fmt.Errorf("ending a web session: %w", err)
	}
	return nil
}

// UserSession is a live browser session of a person signed in with the
// identity provider, as an admin sees it: never its id. Times are the
// server's clock; a session ends at ExpiresAt, or SessionIdle after
// LastSeen, whichever comes first.
type UserSession struct {
	User      string
	Groups    []string
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
}

// liveSession is the condition of a session that has not ended.
const liveSession = `expires_at > now() AND last_seen > now() - make_interval(secs => $1)`

// ListUserSessions returns the live sessions of people (not tokens),
// newest sign-in first; user, when not empty, keeps that person's only.
func (s *Store) ListUserSessions(ctx context.Context, user string) ([]UserSession, error) {
	rows, err := s.pool.Query(ctx, `SELECT user_name, user_groups, created_at, last_seen, expires_at FROM web_sessions
		WHERE user_name IS NOT NULL AND ($2 = '' OR user_name = $2) AND `+liveSession+`
		ORDER BY created_at DESC, user_name`, SessionIdle.Seconds(), user)
	if err != nil {
		return nil, fmt.Errorf("listing web sessions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (UserSession, error) {
		var u UserSession
		err := row.Scan(&u.User, &u.Groups, &u.CreatedAt, &u.LastSeen, &u.ExpiresAt)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing web sessions: %w", err)
	}
	return out, nil
}

// EndUserSessions ends every session of the person named user, live or
// not, and returns how many of them were live: their next page or call
// asks them to sign in again.
func (s *Store) EndUserSessions(ctx context.Context, user string) (live int64, err error) {
	err = s.pool.QueryRow(ctx, `WITH gone AS (DELETE FROM web_sessions WHERE user_name = $2 RETURNING expires_at, last_seen)
		SELECT count(*) FROM gone WHERE `+liveSession, SessionIdle.Seconds(), user).Scan(&live)
	if err != nil {
		return 0, fmt.Errorf("ending the web sessions of %q: %w", user, err)
	}
	return live, nil
}
