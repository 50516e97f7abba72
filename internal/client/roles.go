package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// ListRoles lists every role binding (admin role on every environment).
func (c *Client) ListRoles(ctx context.Context) (*apiwire.RoleBindingList, error) {
	var out apiwire.RoleBindingList
	if err := c.get(ctx, api("roles"), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GrantRole stores a role binding and returns it; an *Error with status
// 400 names the field at fault, 409 says the binding exists.
func (c *Client) GrantRole(ctx context.Context, req apiwire.RoleBindingRequest) (*apiwire.RoleBinding, error) {
	var out apiwire.RoleBinding
	if err := c.do(ctx, request{method: http.MethodPost, path: api("roles"), body: req, out: &out}); err != nil {
		return nil, fmt.Errorf("granting %s to %s %s on %s: %w", req.Role, req.SubjectKind, req.Subject, req.Environment, err)
	}
	return &out, nil
}

// RevokeRole deletes role binding id.
func (c *Client) RevokeRole(ctx context.Context, id int64) error {
	if err := c.do(ctx, request{method: http.MethodDelete, path: api("roles", strconv.FormatInt(id, 10))}); err != nil {
		return fmt.Errorf("revoking role binding %d: %w", id, err)
	}
	return nil
}

// ListSessions returns people's live browser sessions; user, when not
// empty, keeps that person's only.
func (c *Client) ListSessions(ctx context.Context, user string) (*apiwire.UserSessionList, error) {
	var q url.Values
	if user != "" {
		q = url.Values{"user": {user}}
	}
	var out apiwire.UserSessionList
	if err := c.get(ctx, api("sessions"), q, &out); err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	return &out, nil
}

// EndUserSessions ends every browser session of the person named user.
func (c *Client) EndUserSessions(ctx context.Context, user string) (*apiwire.EndedSessions, error) {
	var out apiwire.EndedSessions
	if err := c.do(ctx, request{method: http.MethodDelete, path: api("users", user, "sessions"), out: &out}); err != nil {
		return nil, fmt.Errorf("ending the sessions of %s: %w", user, err)
	}
	return &out, nil
}
