package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Environment is an environment as the API shows it: the domain type, and
// its phase timeouts by action as Go durations ("45m"). Sensitive variable
// values are never returned.
type Environment struct {
	release.Environment
	PhaseTimeouts map[string]string `json:"phase_timeouts"`
}

// EnvironmentRequest creates or replaces an environment. On replace, a
// sensitive variable sent without a value keeps its value.
type EnvironmentRequest struct {
	Name             string             `json:"name"`
	Namespace        string             `json:"namespace,omitempty"`
	Source           release.Source     `json:"source"`
	DefaultTemplate  string             `json:"default_template,omitempty"`
	ApprovalRequired bool               `json:"approval_required"`
	Variables        []release.Variable `json:"variables,omitempty"`
	// PhaseTimeouts bounds phases by action ("apply": "45m").
	PhaseTimeouts map[string]string `json:"phase_timeouts,omitempty"`
}

// EnvironmentPage is one page of environments.
type EnvironmentPage struct {
	Environments []Environment `json:"environments"`
	NextCursor   string        `json:"next_cursor"`
}

// ListEnvironments returns every environment by name, following the cursor
// if the server pages them.
func (c *Client) ListEnvironments(ctx context.Context) ([]Environment, error) {
	var all []Environment
	q := url.Values{}
	for {
		var p EnvironmentPage
		if err := c.get(ctx, api("environments"), q, &p); err != nil {
			return nil, err
		}
		all = append(all, p.Environments...)
		if p.NextCursor == "" || p.NextCursor == q.Get("cursor") {
			return all, nil
		}
		q.Set("cursor", p.NextCursor)
	}
}

// GetEnvironment returns one environment.
func (c *Client) GetEnvironment(ctx context.Context, name string) (*Environment, error) {
	var e Environment
	if err := c.get(ctx, api("environments", name), nil, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// CreateEnvironment creates an environment (admin scope) and returns it.
func (c *Client) CreateEnvironment(ctx context.Context, req EnvironmentRequest) (*Environment, error) {
	var out Environment
	if err := c.post(ctx, api("environments"), req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateEnvironment replaces the settings of environment req.Name (admin
// scope) and returns it.
func (c *Client) UpdateEnvironment(ctx context.Context, req EnvironmentRequest) (*Environment, error) {
	var out Environment
	err := c.do(ctx, request{method: http.MethodPut, path: api("environments", req.Name), body: req, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ResourcePage is the answer of the resource status route.
type ResourcePage struct {
	Resources  []release.ResourceStatus `json:"resources"`
	NextCursor string                   `json:"next_cursor"`
}

// ListResourceStatus returns the status of environment env's resources, or
// of the one at address when address is not empty.
func (c *Client) ListResourceStatus(ctx context.Context, env, address string) ([]release.ResourceStatus, error) {
	q := url.Values{}
	setQuery(q, "address", address)
	var all []release.ResourceStatus
	for {
		var p ResourcePage
		if err := c.get(ctx, api("environments", env, "resources"), q, &p); err != nil {
			return nil, err
		}
		all = append(all, p.Resources...)
		if p.NextCursor == "" || p.NextCursor == q.Get("cursor") {
			return all, nil
		}
		q.Set("cursor", p.NextCursor)
	}
}

// ReportHealth records the health of one resource of environment env and
// returns the resource's status.
func (c *Client) ReportHealth(ctx context.Context, env, address string, health release.HealthStatus) (*release.ResourceStatus, error) {
	var p ResourcePage
	err := c.post(ctx, api("environments", env, "resources", "health"), struct {
		Address      string               `json:"address"`
		HealthStatus release.HealthStatus `json:"health_status"`
	}{address, health}, &p)
	if err != nil {
		return nil, err
	}
	for i := range p.Resources {
		if p.Resources[i].Address == address {
			return &p.Resources[i], nil
		}
	}
	return nil, fmt.Errorf("reporting the health of %q in environment %q: the server did not answer with its status", address, env)
}
