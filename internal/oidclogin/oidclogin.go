// Package oidclogin signs people in to shiplog's pages with an OpenID
// Connect identity provider: the authorization code flow (OpenID Connect
// Core 1.0, section 3.1) with PKCE (RFC 7636, method S256), a state and a
// nonce used once and bound to the browser, and the ID token verified —
// signature through the provider's JWKS (go-oidc's remote key set fetches
// the keys again when a token names a key it does not know, so the
// provider may rotate them), issuer, audience (the client id) and expiry.
// What comes out is an Identity: the person's name and groups, read from
// configurable claims. Sessions are the caller's (internal/web).
package oidclogin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// FlowTTL is how long a sign-in may take between leaving for the provider
// and coming back: the state, nonce and binding cookie last that long.
const FlowTTL = 10 * time.Minute

// BindingCookie names the short-lived HttpOnly cookie that binds a sign-in
// under way to the browser that started it: a random 32 bytes in
// base64url, of which the store keeps the SHA-256. The PKCE code verifier
// is derived from it (pkceVerifier), so the database never holds one.
const BindingCookie = "shiplog_oidc"

// Config is a provider's settings (`shiplog server --oidc-*`).
type Config struct {
	// Issuer is the provider's issuer URL; its discovery document is read
	// from Issuer + "/.well-known/openid-configuration" (OpenID Connect
	// Discovery 1.0) and must name the same issuer.
	Issuer string
	// ClientID and ClientSecret are this client's at the provider.
	ClientID, ClientSecret string
	// RedirectURL is this server's callback as registered at the provider:
	// https://shiplog.example.com/auth/oidc/callback.
	RedirectURL string
	// Scopes asked for besides "openid" (default profile, email, groups).
	Scopes []string
	// UsernameClaim is the ID token claim used as the person's name
	// (default preferred_username); when the token lacks it, email, then
	// sub.
	UsernameClaim string
	// GroupsClaim is the ID token claim listing the person's groups
	// (default groups): an array of strings, or one string.
	GroupsClaim string
	// Name is the provider's name on the sign-in button (default the
	// issuer's host).
	Name string
	// Now is the clock the ID token's expiry is checked against (default
	// time.Now).
	Now func() time.Time
}

// Check says what is missing or wrong in c, naming the flags: nil when c
// is complete.
func (c Config) Check() error {
	var missing []string
	if c.Issuer == "" {
		missing = append(missing, "--oidc-issuer")
	}
	if c.ClientID == "" {
		missing = append(missing, "--oidc-client-id")
	}
	if c.ClientSecret == "" {
		missing = append(missing, "--oidc-client-secret-file (a file holding the client secret)")
	}
	if c.RedirectURL == "" {
		missing = append(missing, "--oidc-redirect-url")
	}
	if len(missing) > 0 {
		return fmt.Errorf("sign-in with an identity provider is half configured: missing %s", strings.Join(missing, ", "))
	}
	for _, u := range []struct{ flag, v string }{{"--oidc-issuer", c.Issuer}, {"--oidc-redirect-url", c.RedirectURL}} {
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return fmt.Errorf("%s %q is not an http(s) URL", u.flag, u.v)
		}
	}
	return nil
}

// Identity is who the provider signed in.
type Identity struct {
	// Name is the configured username claim's value (or email, or sub).
	Name string
	// Subject is the ID token's sub.
	Subject string
	// Groups are the groups claim's values, as the provider gave them at
	// this sign-in.
	Groups []string
}

// Provider runs sign-ins with one identity provider.
type Provider struct {
	cfg      Config
	st       *store.Store
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	client   *http.Client
}

// New checks cfg and reads the provider's discovery document (ctx bounds
// that request; client, when not nil, makes every request to the
// provider). It fails saying what is misconfigured or why discovery
// failed.
func New(ctx context.Context, cfg Config, st *store.Store, client *http.Client) (*Provider, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errors.New("oidclogin: a store is required")
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.UsernameClaim == "" {
		cfg.UsernameClaim = "preferred_username"
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if cfg.Scopes == nil {
		cfg.Scopes = []string{"profile", "email", "groups"}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Name == "" {
		u, _ := url.Parse(cfg.Issuer)
		cfg.Name = u.Host
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("reading the identity provider's discovery document at %s/.well-known/openid-configuration: %w", strings.TrimSuffix(cfg.Issuer, "/"), err)
	}
	scopes := append([]string{oidc.ScopeOpenID}, cfg.Scopes...)
	return &Provider{
		cfg: cfg, st: st, client: client,
		oauth:    oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: p.Endpoint(), RedirectURL: cfg.RedirectURL, Scopes: scopes},
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: cfg.Now}),
	}, nil
}

// Name is the provider's name for the sign-in button.
func (p *Provider) Name() string { return p.cfg.Name }

// random is n random bytes in base64url.
func random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// pkceVerifier is the PKCE code verifier (RFC 7636 section 4.1: 43
// characters of base64url, 256 bits) of the sign-in with state whose
// browser holds binding: HMAC-SHA256 keyed with the binding cookie's
// value. Only that browser can bring it back, and nothing stored (the
// binding's hash, the state's) gives it away: someone reading the
// database, or holding a code taken from a redirect, cannot redeem the
// code.
func pkceVerifier(binding, state string) string {
	m := hmac.New(sha256.New, []byte(binding))
	m.Write([]byte("shiplog PKCE code verifier\x00" + state))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Begin starts a sign-in that comes back to next (a path on this server,
// checked by the caller): it stores a fresh state's hash, nonce and the
// binding's hash, and returns the provider's authorization URL to send the
// browser to (with the state, the nonce and the S256 challenge of the PKCE
// code verifier, pkceVerifier) and the binding cookie's value, which the
// browser must bring back to the callback.
func (p *Provider) Begin(ctx context.Context, next string) (authURL, binding string, err error) {
	var state, nonce string
	for _, v := range []*string{&state, &nonce, &binding} {
		if *v, err = random(32); err != nil {
			return "", "", err
		}
	}
	if err := p.st.CreateLoginFlow(ctx, store.LoginFlow{StateHash: hash(state), BindingHash: hash(binding), Nonce: nonce,
		Next: next, Expires: time.Now().Add(FlowTTL)}); err != nil {
		return "", "", err
	}
	return p.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(pkceVerifier(binding, state))), binding, nil
}

// Refused is a sign-in the callback refuses: Reason is safe to show the
// person (it holds no token, code or secret).
type Refused struct {
	Reason string
	Err    error
}

func (e *Refused) Error() string { return "sign-in refused: " + e.Reason }

// Unwrap gives the cause.
func (e *Refused) Unwrap() error { return e.Err }

func refused(err error, format string, args ...any) *Refused {
	return &Refused{Reason: fmt.Sprintf(format, args...), Err: err}
}

// Finish completes a sign-in from the provider's redirect to the callback:
// q is its query (state and code, or error), binding the binding cookie's
// value ("" when the browser sent none). The state is taken (used once),
// the binding compared, the code exchanged with the PKCE verifier derived
// from the binding, and the
// ID token verified (signature, issuer, audience, expiry, nonce). It
// returns who signed in and the path to go to; a *Refused saying why
// otherwise.
func (p *Provider) Finish(ctx context.Context, q url.Values, binding string) (*Identity, string, error) {
	if e := q.Get("error"); e != "" {
		return nil, "", refused(nil, "the identity provider answered %q: %s", e, q.Get("error_description"))
	}
	state, code := q.Get("state"), q.Get("code")
	if state == "" || code == "" {
		return nil, "", refused(nil, "the provider's answer lacks a state or a code")
	}
	flow, err := p.st.TakeLoginFlow(ctx, hash(state))
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", refused(err, "this sign-in is unknown, was already used, or took longer than %s: start again", FlowTTL)
	}
	if err != nil {
		return nil, "", err
	}
	if binding == "" || subtle.ConstantTimeCompare(hash(binding), flow.BindingHash) != 1 {
		return nil, "", refused(nil, "this sign-in was started in another browser (its cookie is missing or differs): start again")
	}
	tok, err := p.oauth.Exchange(oidc.ClientContext(ctx, p.client), code, oauth2.VerifierOption(pkceVerifier(binding, state)))
	if err != nil {
		return nil, "", refused(err, "the identity provider did not exchange the code: %s", exchangeReason(err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, "", refused(nil, "the identity provider's answer holds no ID token")
	}
	idt, err := p.verifier.Verify(oidc.ClientContext(ctx, p.client), raw)
	if err != nil {
		return nil, "", refused(err, "the ID token is not valid: %s", verifyReason(err))
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.Nonce)) != 1 {
		return nil, "", refused(nil, "the ID token's nonce is not this sign-in's")
	}
	id, err := p.identity(idt)
	if err != nil {
		return nil, "", err
	}
	return id, flow.Next, nil
}

// exchangeReason is what the token endpoint said, without the code.
func exchangeReason(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			return re.ErrorCode + " " + re.ErrorDescription
		}
		return fmt.Sprintf("status %d", re.Response.StatusCode)
	}
	return "the token endpoint could not be reached"
}

// verifyReason says why go-oidc refused a token, without the token.
func verifyReason(err error) string {
	var exp *oidc.TokenExpiredError
	if errors.As(err, &exp) {
		return "it expired at " + exp.Expiry.UTC().Format(time.RFC3339)
	}
	return strings.TrimPrefix(err.Error(), "oidc: ")
}

// identity reads the name and groups claims of a verified token.
func (p *Provider) identity(idt *oidc.IDToken) (*Identity, error) {
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, refused(err, "the ID token's claims could not be read")
	}
	id := &Identity{Subject: idt.Subject}
	for _, c := range []string{p.cfg.UsernameClaim, "email", "sub"} {
		if s, ok := claims[c].(string); ok && strings.TrimSpace(s) != "" {
			id.Name = strings.TrimSpace(s)
			break
		}
	}
	if id.Name == "" {
		return nil, refused(nil, "the ID token names nobody (no %s, email or sub claim)", p.cfg.UsernameClaim)
	}
	switch g := claims[p.cfg.GroupsClaim].(type) {
	case string:
		id.Groups = []string{g}
	case []any:
		for _, v := range g {
			if s, ok := v.(string); ok && s != "" {
				id.Groups = append(id.Groups, s)
			}
		}
	}
	return id, nil
}
