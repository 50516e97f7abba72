package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// tokenPrefix starts every token secret, so that leaked secrets are easy to
// recognise (and to scan for).
const tokenPrefix = "shp_"

var tokenNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$`)

// NewTokenSecret makes a new random token secret: "shp_" and 32 random
// bytes in base64url.
func NewTokenSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a token: %w", err)
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken is what the store keeps of a secret.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// wellFormed reports whether s could be a token secret at all.
func wellFormed(s string) bool {
	rest, ok := strings.CutPrefix(s, tokenPrefix)
	if !ok || len(rest) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}

// ParseScopes checks scope names; it returns them sorted, without repeats.
func ParseScopes(names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, errors.New("a token needs at least one scope (read, write, approve, admin)")
	}
	var out []string
	for _, n := range names {
		if !slices.Contains(apiwire.Scopes, apiwire.Scope(n)) {
			return nil, fmt.Errorf("unknown scope %q (want read, write, approve or admin)", n)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// ValidateTokenName checks a token name: it is recorded as who approved,
// aborted or triggered a release.
func ValidateTokenName(name string) error {
	if !tokenNameRE.MatchString(name) {
		return fmt.Errorf("token name %q is not valid: use 1-64 letters, digits and . _ @ + -, starting with a letter or digit", name)
	}
	return nil
}

// IssueToken creates a token and returns its secret, which is shown once
// and never stored.
func IssueToken(ctx context.Context, st *store.Store, name string, scopes []string) (string, *store.Token, error) {
	if err := ValidateTokenName(name); err != nil {
		return "", nil, invalid("name", "%s", err.Error())
	}
	scopes, err := ParseScopes(scopes)
	if err != nil {
		return "", nil, invalid("scopes", "%s", err.Error())
	}
	secret, err := NewTokenSecret()
	if err != nil {
		return "", nil, err
	}
	t := &store.Token{Name: name, Hash: HashToken(secret), Scopes: scopes}
	if err := st.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

type principalKey struct{}

// authed is who a request was authenticated as: the caller the use cases
// see and, when it came with a token (bearer or a token's session), the
// token.
type authed struct {
	caller service.Caller
	token  *store.Token
}

// principal is the token a request was made with (nil for a person's
// session).
func principal(ctx context.Context) *store.Token {
	if a, _ := ctx.Value(principalKey{}).(*authed); a != nil {
		return a.token
	}
	return nil
}

// callerOf is the request's caller as the use cases (internal/service)
// see it: the token's name, scopes and role bindings, or the signed-in
// person's name and the bindings of them and their groups.
func callerOf(r *http.Request) service.Caller {
	if a, _ := r.Context().Value(principalKey{}).(*authed); a != nil {
		return a.caller
	}
	return service.Caller{Name: "anonymous", From: RemoteHost(r)}
}

// RemoteHost is the address a request came from, as the audit log keeps
// it: the connection's peer host (forwarding headers are not trusted:
// a client could write anything in them).
func RemoteHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// who names the caller for the records (the token's or the person's
// name).
func who(r *http.Request) string { return callerOf(r).Name }

// tokenCache keeps recently seen tokens for a short while, so that every
// request does not cost a database round trip. Revocations reach it at
// once through the store's TokenChannel (and within the TTL otherwise).
type tokenCache struct {
	ttl time.Duration
	mu  sync.RWMutex
	m   map[[32]byte]cachedToken
}

type cachedToken struct {
	tok   *store.Token
	until time.Time
}

const tokenCacheMax = 4096

func newTokenCache(ttl time.Duration) *tokenCache {
	return &tokenCache{ttl: ttl, m: make(map[[32]byte]cachedToken)}
}

func (c *tokenCache) get(h [32]byte) *store.Token {
	if c.ttl <= 0 {
		return nil
	}
	c.mu.RLock()
	e, ok := c.m[h]
	c.mu.RUnlock()
	if !ok || time.Now().After(e.until) {
		return nil
	}
	return e.tok
}

func (c *tokenCache) put(h [32]byte, t *store.Token) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	if len(c.m) >= tokenCacheMax {
		clear(c.m)
	}
	c.m[h] = cachedToken{tok: t, until: time.Now().Add(c.ttl)}
	c.mu.Unlock()
}

// drop forgets a token by name ("" forgets every token).
func (c *tokenCache) drop(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, e := range c.m {
		if name == "" || e.tok.Name == name {
			delete(c.m, h)
		}
	}
}

var errUnauthorized = &httpError{Status: http.StatusUnauthorized, Code: apiwire.CodeUnauthorized,
	Message: "this route needs a valid token: send Authorization: Bearer <token>"}

// authenticate finds who made a request: its bearer token, or, for a GET
// without one, its browser session (EventSource cannot send headers), with
// the role bindings that apply to them.
func (s *Server) authenticate(r *http.Request) (*authed, error) {
	h := r.Header.Get("Authorization")
	if h == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		if _, err := r.Cookie(SessionCookie); err == nil {
			return s.sessionAuthed(r)
		}
	}
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, errUnauthorized
	}
	t, err := s.checkSecret(r.Context(), secret)
	if err != nil {
		return nil, err
	}
	return s.tokenAuthed(r, t)
}

// tokenAuthed is token t's caller, its bindings read.
func (s *Server) tokenAuthed(r *http.Request, t *store.Token) (*authed, error) {
	c, err := s.svc.TokenCaller(r.Context(), t.Name, t.Scopes, RemoteHost(r))
	if err != nil {
		return nil, fmt.Errorf("authenticating token %q: %w", t.Name, err)
	}
	return &authed{caller: c, token: t}, nil
}

// checkSecret finds the live token of a secret (a bearer token's, or one
// pasted into the sign-in form).
func (s *Server) checkSecret(ctx context.Context, secret string) (*store.Token, error) {
	secret = strings.TrimSpace(secret)
	if !wellFormed(secret) {
		return nil, &httpError{Status: http.StatusUnauthorized, Code: apiwire.CodeUnauthorized, Message: "the bearer token is not a shiplog token"}
	}
	sum := sha256.Sum256([]byte(secret))
	t := s.tokens.get(sum)
	if t == nil {
		var err error
		t, err = s.store.TokenByHash(ctx, sum[:])
		if errors.Is(err, store.ErrNotFound) {
			return nil, &httpError{Status: http.StatusUnauthorized, Code: apiwire.CodeUnauthorized, Message: "the bearer token is unknown or revoked"}
		}
		if err != nil {
			return nil, fmt.Errorf("authenticating: %w", err)
		}
		s.tokens.put(sum, t)
	}
	// The lookup was by hash; compare in constant time all the same.
	if subtle.ConstantTimeCompare(t.Hash, sum[:]) != 1 {
		return nil, &httpError{Status: http.StatusUnauthorized, Code: apiwire.CodeUnauthorized, Message: "the bearer token is unknown or revoked"}
	}
	return t, nil
}

// authorize wraps a handler with the route's gate: the caller must hold
// the role the route's scope stands for (apiwire.RoleOfScope) — through a
// scope or a binding — on the environment the request is about
// (routeEnvironment), or on some environment when its path names none. A
// use case the handler calls asks again for the role on the environment
// it acts on.
func (s *Server) authorize(rt route, next http.HandlerFunc) http.HandlerFunc {
	if rt.Scope == apiwire.ScopeNone {
		return next
	}
	role := apiwire.RoleOfScope(rt.Scope)
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := s.authenticate(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		env, err := s.routeEnvironment(r, rt.Path)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := a.caller.Authorize(role, env, rt.Method+" "+rt.Path); err != nil {
			s.fail(w, r, err)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, a)))
	}
}

// routeEnvironment is the environment a request is about, from its path
// (route path pattern path): {name} of /api/v1/environments/{name}…, the
// environment of release {id} of /api/v1/releases/{id}…; AnyEnvironment
// for the others, and for an id that is no release's (the handler answers
// that with its 400 or 404).
func (s *Server) routeEnvironment(r *http.Request, path string) (string, error) {
	switch {
	case strings.HasPrefix(path, "/api/v1/environments/{name}"):
		return r.PathValue("name"), nil
	case strings.HasPrefix(path, "/api/v1/releases/{id}"):
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return service.AnyEnvironment, nil
		}
		env, err := s.svc.EnvironmentOfRelease(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return service.AnyEnvironment, nil
		}
		return env, err
	}
	return service.AnyEnvironment, nil
}
