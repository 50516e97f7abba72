package client

import (
	"context"
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// ListTokens returns every token, without secrets (admin scope).
func (c *Client) ListTokens(ctx context.Context) ([]apiwire.Token, error) {
	var p apiwire.TokenList
	if err := c.get(ctx, api("tokens"), nil, &p); err != nil {
		return nil, err
	}
	return p.Tokens, nil
}

// CreateToken creates a token with the given scopes and returns it with its
// secret (admin scope).
func (c *Client) CreateToken(ctx context.Context, name string, scopes []string) (*apiwire.NewToken, error) {
	var t apiwire.NewToken
	err := c.post(ctx, api("tokens"), apiwire.TokenRequest{Name: name, Scopes: scopes}, &t)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// DeleteToken revokes a token (admin scope).
func (c *Client) DeleteToken(ctx context.Context, name string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: api("tokens", name)})
}
