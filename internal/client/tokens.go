package client

import (
	"context"
	"net/http"
	"time"
)

// Token scopes.
const (
	ScopeRead    = "read"
	ScopeWrite   = "write"
	ScopeApprove = "approve"
	ScopeAdmin   = "admin"
)

// Token is an API token. Secret is only set in the answer to CreateToken:
// the server shows it once and keeps only its hash.
type Token struct {
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Secret    string     `json:"secret,omitempty"`
}

// ListTokens returns every token, without secrets (admin scope).
func (c *Client) ListTokens(ctx context.Context) ([]Token, error) {
	var p struct {
		Tokens []Token `json:"tokens"`
	}
	if err := c.get(ctx, api("tokens"), nil, &p); err != nil {
		return nil, err
	}
	return p.Tokens, nil
}

// CreateToken creates a token with the given scopes and returns it with its
// secret (admin scope).
func (c *Client) CreateToken(ctx context.Context, name string, scopes []string) (*Token, error) {
	var t Token
	err := c.post(ctx, api("tokens"), struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}{name, scopes}, &t)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// DeleteToken revokes a token (admin scope).
func (c *Client) DeleteToken(ctx context.Context, name string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: api("tokens", name)})
}
