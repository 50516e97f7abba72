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

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
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
// token. A token without the viewer role on some environment (its read or
// approve scope, or a binding) cannot sign in (403).
func (s *Server) Login(r *http.Request, secret string) (string, *store.Token, error) {
	ctx := r.Context()
	t, err := s.checkSecret(ctx, secret)
	if err != nil {
		return "", nil, err
	}
	a, err := s.tokenAuthed(r, t)
	if err != nil {
		return "", nil, err
	}
	if err := a.caller.Authorize(apiwire.RoleViewer, service.AnyEnvironment, "signing in to the pages"); err != nil {
		return "", t, err
	}
	id, err := newSessionID()
	if err != nil {
		return "", nil, err
	}
	if err := s.store.CreateWebSession(ctx, sessionHash(id), t.Name); err != nil {
		return "", nil, err
	}
	return id, t, nil
}

// newSessionID makes a session id: 32 random bytes in base64url.
func newSessionID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a session id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// PersonLogin opens a browser session for a person the identity provider
// signed in: their name and the groups it gave now (bindings of a group
// they have left stop counting at this sign-in). It returns the session id
// (the cookie's value).
func (s *Server) PersonLogin(ctx context.Context, user string, groups []string) (string, error) {
	id, err := newSessionID()
	if err != nil {
		return "", err
	}
	if err := s.store.CreateUserWebSession(ctx, sessionHash(id), user, groups); err != nil {
		return "", err
	}
	return id, nil
}

// Logout ends a browser session (the cookie's value).
func (s *Server) Logout(ctx context.Context, id string) error {
	return s.store.DeleteWebSession(ctx, sessionHash(id))
}

var errNoSession = &httpError{Status: http.StatusUnauthorized, Code: apiwire.CodeUnauthorized,
	Message: "the session is over (signed out, expired, or its token revoked): sign in again at /login"}

// sessionAuthed is who the request's session cookie is of; 401 when
// there is no cookie or the session is over.
func (s *Server) sessionAuthed(r *http.Request) (*authed, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, errNoSession
	}
	ws, err := s.store.WebSessionOwner(r.Context(), sessionHash(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	if ws.Token != nil {
		return s.tokenAuthed(r, ws.Token)
	}
	pc, err := s.svc.PersonCaller(r.Context(), ws.User, ws.Groups, RemoteHost(r))
	if err != nil {
		return nil, fmt.Errorf("authenticating %q: %w", ws.User, err)
	}
	return &authed{caller: pc}, nil
}

// SessionCaller is the caller of the request's session cookie — a token's
// or a signed-in person's, with their role bindings — as the use cases
// see it; 401 when there is no cookie or the session is over.
func (s *Server) SessionCaller(r *http.Request) (service.Caller, error) {
	a, err := s.sessionAuthed(r)
	if err != nil {
		return service.Caller{}, err
	}
	return a.caller, nil
}

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
