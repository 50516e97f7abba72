package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// SessionCookie names the browser session cookie: a random 32-byte id in
// base64url, of which the store keeps only the SHA-256 (web_sessions).
const SessionCookie = "shiplog_session"

// sessionHash is what the store keeps of a session id.
func sessionHash(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// Login checks a token secret as the bearer check does and opens a browser
// session for it; it returns the session id (the cookie's value) and the
// token. A token without the read scope cannot sign in (403).
func (s *Server) Login(ctx context.Context, secret string) (string, *store.Token, error) {
	t, err := s.checkSecret(ctx, secret)
	if err != nil {
		return "", nil, err
	}
	if !allows(t, apiwire.ScopeRead) {
		return "", nil, &httpError{Status: http.StatusForbidden, Code: apiwire.CodeForbidden,
			Message: fmt.Sprintf("token %q lacks the read scope the pages need (it has %s)", t.Name, strings.Join(t.Scopes, ", "))}
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("making a session id: %w", err)
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	if err := s.store.CreateWebSession(ctx, sessionHash(id), t.Name); err != nil {
		return "", nil, err
	}
	return id, t, nil
}

// Logout ends a browser session (the cookie's value).
func (s *Server) Logout(ctx context.Context, id string) error {
	return s.store.DeleteWebSession(ctx, sessionHash(id))
}

var errNoSession = &httpError{Status: http.StatusUnauthorized, Code: apiwire.CodeUnauthorized,
	Message: "the session is over (signed out, expired, or its token revoked): sign in again at /login"}

// SessionToken is the live token of the request's session cookie; 401
// when there is no cookie or the session is over.
func (s *Server) SessionToken(r *http.Request) (*store.Token, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, errNoSession
	}
	t, err := s.store.WebSessionToken(r.Context(), sessionHash(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSession
	}
	return t, err
}

// Allows reports whether a token may act within scope (admin may do all).
func Allows(t *store.Token, scope apiwire.Scope) bool { return t != nil && allows(t, scope) }

// Explain gives the status and message the API answers an error with
// (store lookups that found nothing 404, lost compare-and-sets 409, bad
// input 400; anything unexpected 500, logged, its details kept there).
func (s *Server) Explain(r *http.Request, err error) (int, string) {
	e := s.errorOf(r, err)
	return e.Status, e.Message
}

// IsUnauthorized reports whether err says the request has no valid token
// or session (401).
func IsUnauthorized(err error) bool {
	var e *httpError
	return errors.As(err, &e) && e.Status == http.StatusUnauthorized
}

// Release reads a release through the API's release cache, as GET
// /api/v1/releases/{id} does (ErrNotFound wrapped when there is none).
func (s *Server) Release(ctx context.Context, id int64) (*release.Release, error) {
	body, err := s.releaseJSON(ctx, id)
	if err != nil {
		return nil, err
	}
	var rel release.Release
	if err := json.Unmarshal(body, &rel); err != nil {
		return nil, fmt.Errorf("decoding release %d: %w", id, err)
	}
	return &rel, nil
}
