package client

import (
	"context"
	"fmt"
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// PutPolicy creates or replaces policy name (admin scope) and returns it
// as stored. A module that does not compile is an *Error with status 400
// naming field "module", its message giving line and column.
func (c *Client) PutPolicy(ctx context.Context, name string, req apiwire.PolicyRequest) (*release.Policy, error) {
	var out release.Policy
	if err := c.do(ctx, request{method: http.MethodPut, path: api("policies", name), body: req, out: &out}); err != nil {
		return nil, fmt.Errorf("storing policy %s: %w", name, err)
	}
	return &out, nil
}

// GetPolicy reads one policy, with its Rego module.
func (c *Client) GetPolicy(ctx context.Context, name string) (*release.Policy, error) {
	var out release.Policy
	if err := c.get(ctx, api("policies", name), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListPolicies lists every policy by name.
func (c *Client) ListPolicies(ctx context.Context) (*apiwire.PolicyList, error) {
	var out apiwire.PolicyList
	if err := c.get(ctx, api("policies"), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeletePolicy deletes policy name (admin scope).
func (c *Client) DeletePolicy(ctx context.Context, name string) error {
	if err := c.do(ctx, request{method: http.MethodDelete, path: api("policies", name)}); err != nil {
		return fmt.Errorf("deleting policy %s: %w", name, err)
	}
	return nil
}
