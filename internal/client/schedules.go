package client

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// CreateSchedule creates a schedule of environment env (write scope) and
// returns it as stored. Bad input is an *Error with status 400 naming the
// field (name, cron, time_zone, template); a name env has is a 409.
func (c *Client) CreateSchedule(ctx context.Context, env string, req apiwire.ScheduleRequest) (*release.Schedule, error) {
	var out release.Schedule
	if err := c.do(ctx, request{method: http.MethodPost, path: api("environments", env, "schedules"), body: req, out: &out}); err != nil {
		return nil, fmt.Errorf("creating schedule %s of %s: %w", req.Name, env, err)
	}
	return &out, nil
}

// ListSchedules lists environment env's schedules by name.
func (c *Client) ListSchedules(ctx context.Context, env string) (*apiwire.ScheduleList, error) {
	var out apiwire.ScheduleList
	if err := c.get(ctx, api("environments", env, "schedules"), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetSchedule reads schedule id of environment env (from its list; an
// *Error with status 404 when env has none of that id).
func (c *Client) GetSchedule(ctx context.Context, env string, id int64) (*release.Schedule, error) {
	l, err := c.ListSchedules(ctx, env)
	if err != nil {
		return nil, err
	}
	for _, sc := range l.Schedules {
		if sc.ID == id {
			return sc, nil
		}
	}
	return nil, &Error{Status: http.StatusNotFound, Code: "not_found", Message: fmt.Sprintf("environment %q has no schedule %d", env, id)}
}

// SetScheduleEnabled enables or disables schedule id of environment env
// (write scope) and returns it as it now is.
func (c *Client) SetScheduleEnabled(ctx context.Context, env string, id int64, enabled bool) (*release.Schedule, error) {
	verb := "disable"
	if enabled {
		verb = "enable"
	}
	var out release.Schedule
	if err := c.do(ctx, request{method: http.MethodPost, path: api("environments", env, "schedules", strconv.FormatInt(id, 10), verb), out: &out}); err != nil {
		return nil, fmt.Errorf("%s schedule %d of %s: %w", verb, id, env, err)
	}
	return &out, nil
}

// DeleteSchedule deletes schedule id of environment env (write scope).
func (c *Client) DeleteSchedule(ctx context.Context, env string, id int64) error {
	if err := c.do(ctx, request{method: http.MethodDelete, path: api("environments", env, "schedules", strconv.FormatInt(id, 10))}); err != nil {
		return fmt.Errorf("deleting schedule %d of %s: %w", id, env, err)
	}
	return nil
}
