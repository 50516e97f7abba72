package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ListEnvironments returns every environment by name, following the cursor
// if the server pages them.
func (c *Client) ListEnvironments(ctx context.Context) ([]apiwire.Environment, error) {
	var all []apiwire.Environment
	q := url.Values{}
	for {
		var p apiwire.EnvironmentList
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
func (c *Client) GetEnvironment(ctx context.Context, name string) (*apiwire.Environment, error) {
	var e apiwire.Environment
	if err := c.get(ctx, api("environments", name), nil, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// CreateEnvironment creates an environment (admin scope) and returns it.
func (c *Client) CreateEnvironment(ctx context.Context, req apiwire.EnvironmentRequest) (*apiwire.Environment, error) {
	var out apiwire.Environment
	if err := c.post(ctx, api("environments"), req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateEnvironment replaces the settings of environment req.Name (admin
// scope) and returns it.
func (c *Client) UpdateEnvironment(ctx context.Context, req apiwire.EnvironmentRequest) (*apiwire.Environment, error) {
	var out apiwire.Environment
	err := c.do(ctx, request{method: http.MethodPut, path: api("environments", req.Name), body: req, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListResourceStatus returns the status of environment env's resources, or
// of the one at address when address is not empty (one answer: the route
// does not page).
func (c *Client) ListResourceStatus(ctx context.Context, env, address string) ([]release.ResourceStatus, error) {
	q := url.Values{}
	setQuery(q, "address", address)
	var p apiwire.ResourceList
	if err := c.get(ctx, api("environments", env, "resources"), q, &p); err != nil {
		return nil, err
	}
	return p.Resources, nil
}

// ListOutputs returns environment env's output values as its last
// successful apply left them, by name (a sensitive one without value).
func (c *Client) ListOutputs(ctx context.Context, env string) ([]release.Output, error) {
	var p apiwire.OutputList
	if err := c.get(ctx, api("environments", env, "outputs"), nil, &p); err != nil {
		return nil, err
	}
	return p.Outputs, nil
}

// ReportHealth records the health of one resource of environment env and
// returns the resource's status.
func (c *Client) ReportHealth(ctx context.Context, env, address string, health release.HealthStatus) (*release.ResourceStatus, error) {
	var p apiwire.ResourceList
	err := c.post(ctx, api("environments", env, "resources", "health"), apiwire.HealthReport{Address: address, HealthStatus: health}, &p)
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

// DeleteEnvironment deletes an environment (admin scope). Without force
// the server refuses one that has history; with force that history goes
// too. Either way it refuses while a release of it is queued or running.
func (c *Client) DeleteEnvironment(ctx context.Context, name string, force bool) (*apiwire.EnvironmentDeleted, error) {
	q := url.Values{}
	if force {
		q.Set("force", "true")
	}
	var out apiwire.EnvironmentDeleted
	if err := c.do(ctx, request{method: http.MethodDelete, path: api("environments", name), query: q, out: &out}); err != nil {
		return nil, fmt.Errorf("deleting environment %s: %w", name, err)
	}
	return &out, nil
}

// PauseEnvironment pauses environment name (admin scope): its queued
// releases wait until it is resumed. It returns the environment as it now
// is (Paused set).
func (c *Client) PauseEnvironment(ctx context.Context, name, reason string) (*apiwire.Environment, error) {
	var out apiwire.Environment
	if err := c.do(ctx, request{method: http.MethodPost, path: api("environments", name, "pause"), body: apiwire.PauseRequest{Reason: reason}, out: &out}); err != nil {
		return nil, fmt.Errorf("pausing environment %s: %w", name, err)
	}
	return &out, nil
}

// ResumeEnvironment resumes environment name (admin scope).
func (c *Client) ResumeEnvironment(ctx context.Context, name string) (*apiwire.Environment, error) {
	var out apiwire.Environment
	if err := c.do(ctx, request{method: http.MethodPost, path: api("environments", name, "resume"), out: &out}); err != nil {
		return nil, fmt.Errorf("resuming environment %s: %w", name, err)
	}
	return &out, nil
}

// Queue returns environment name's queue: what has not finished, in the
// order it runs, each with what it waits for.
func (c *Client) Queue(ctx context.Context, name string) (*apiwire.Queue, error) {
	var out apiwire.Queue
	if err := c.get(ctx, api("environments", name, "queue"), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Unpromoted lists what is upstream of environment name and not promoted
// yet, newest first (an environment without upstream: none).
func (c *Client) Unpromoted(ctx context.Context, name string) (*apiwire.Unpromoted, error) {
	var out apiwire.Unpromoted
	if err := c.get(ctx, api("environments", name, "unpromoted"), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// StateLock says whether environment name's state is locked, and by what.
func (c *Client) StateLock(ctx context.Context, name string) (*apiwire.StateLockStatus, error) {
	var out apiwire.StateLockStatus
	if err := c.get(ctx, api("environments", name, "lock"), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UnlockState releases lock req.LockID of environment name's state, for
// req.Reason (req.Force: even while its release has not ended), and
// returns the UNLOCK release that records it (admin only).
func (c *Client) UnlockState(ctx context.Context, name string, req apiwire.UnlockRequest) (*release.Release, error) {
	var r *release.Release
	if err := c.post(ctx, api("environments", name, "unlock"), req, &r); err != nil {
		return nil, err
	}
	return r, nil
}
