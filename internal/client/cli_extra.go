package client

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file holds what the shiplog command line needs beyond the typed
// calls of the other files.

// EnvironmentSpec is the body of POST and PUT /api/v1/environments with
// what release.Environment does not carry in JSON: phase timeouts by
// action, as durations ("45m").
type EnvironmentSpec struct {
	Name             string             `json:"name"`
	Namespace        string             `json:"namespace,omitempty"`
	Source           release.Source     `json:"source"`
	DefaultTemplate  string             `json:"default_template,omitempty"`
	ApprovalRequired bool               `json:"approval_required"`
	Variables        []release.Variable `json:"variables,omitempty"`
	PhaseTimeouts    map[string]string  `json:"phase_timeouts,omitempty"`
}

// CreateEnvironmentSpec creates an environment (admin scope) and returns
// the server's answer as is.
func (c *Client) CreateEnvironmentSpec(ctx context.Context, spec EnvironmentSpec) (json.RawMessage, error) {
	var out json.RawMessage
	if err := c.post(ctx, api("environments"), spec, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Raw GETs an API path (under /api/v1, parts escaped) and returns the JSON
// answer as the server sent it: for printing exactly what the API says.
func (c *Client) Raw(ctx context.Context, q url.Values, parts ...string) (json.RawMessage, error) {
	var out json.RawMessage
	if err := c.get(ctx, api(parts...), q, &out); err != nil {
		return nil, err
	}
	return out, nil
}
