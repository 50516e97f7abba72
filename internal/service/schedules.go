package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ScheduleScope is the scope creating, changing and deleting schedules
// needs (the deployer role); listing them needs ListScope.
const ScheduleScope = apiwire.ScopeWrite

// CreateSchedule stores a schedule of environment env that queues a
// release with req.Template at each tick of req.Cron in req.TimeZone (UTC
// when empty), enabled unless req.Enabled is false, first due at the first
// tick after now. Forbidden without the deployer role on env; Invalid naming
// the field (name, cron, time_zone, template; environment when env does not
// exist); Conflict when env has a schedule of that name.
func (s *Service) CreateSchedule(ctx context.Context, c Caller, env string, req apiwire.ScheduleRequest) (_ *release.Schedule, err error) {
	act := &Act{Kind: "schedule.create", Environment: env, Detail: req.Name}
	defer s.audit(ctx, c, act, &err)
	if err := c.Authorize(apiwire.RoleDeployer, env, "creating a schedule"); err != nil {
		return nil, err
	}
	if err := release.ValidateScheduleName(req.Name); err != nil {
		return nil, fieldError(err)
	}
	tz := req.TimeZone
	if tz == "" {
		tz = release.DefaultScheduleTimeZone
	}
	cr, err := release.ParseCron(req.Cron, tz)
	if err != nil {
		return nil, fieldError(err)
	}
	e, err := s.store.GetEnvironment(ctx, env)
	if err != nil {
		return nil, typed(err)
	}
	if req.Template == "" {
		return nil, invalid("template", "template is required: the release template each tick queues (full-plan plans only and records drift)")
	}
	t, err := s.Template(req.Template, e.Namespace)
	if err != nil {
		return nil, invalid("template", "%s", err.Error())
	}
	if err := t.CheckRelease(nil); err != nil {
		return nil, invalid("template", "template %q cannot run on a schedule: %s", req.Template, err.Error())
	}
	if err := refusedEveryTick(e, t.Type(), req.Template); err != nil {
		return nil, err
	}
	next := cr.Next(s.savedPlans.now())
	enabled := req.Enabled == nil || *req.Enabled
	sc, err := s.store.CreateSchedule(ctx, &release.Schedule{Environment: env, Name: req.Name, Cron: req.Cron, TimeZone: tz,
		Template: req.Template, Enabled: enabled, CreatedBy: c.Name, NextAt: next})
	if err != nil {
		return nil, typed(err)
	}
	act.Detail = fmt.Sprintf("%s (id %d): %q in %s, template %s", sc.Name, sc.ID, sc.Cron, sc.TimeZone, sc.Template)
	s.log.Info("schedule created", "schedule", sc.ID, "environment", env, "cron", sc.Cron, "time_zone", tz, "by", c.Name)
	return sc, nil
}

// ListSchedules lists environment env's schedules by name. Forbidden
// without the viewer role on env; NotFound when env does not exist.
func (s *Service) ListSchedules(ctx context.Context, c Caller, env string) ([]*release.Schedule, error) {
	if err := c.Authorize(apiwire.RoleViewer, env, "reading schedules"); err != nil {
		return nil, err
	}
	if _, err := s.store.GetEnvironment(ctx, env); err != nil {
		return nil, typed(err)
	}
	out, err := s.store.ListSchedules(ctx, env)
	return out, typed(err)
}

// SetScheduleEnabled enables or disables schedule id of environment env
// and returns it as it now is. Enabling makes it due at its first tick
// after now: ticks missed while it was disabled are not run. Forbidden
// without the deployer role on env; NotFound when env has no schedule id.
func (s *Service) SetScheduleEnabled(ctx context.Context, c Caller, env string, id int64, enabled bool) (_ *release.Schedule, err error) {
	kind := "schedule.disable"
	if enabled {
		kind = "schedule.enable"
	}
	act := &Act{Kind: kind, Environment: env, Detail: fmt.Sprintf("schedule %d", id)}
	defer s.audit(ctx, c, act, &err)
	if err := c.Authorize(apiwire.RoleDeployer, env, "changing a schedule"); err != nil {
		return nil, err
	}
	sc, err := s.scheduleOf(ctx, env, id)
	if err != nil {
		return nil, err
	}
	act.Detail = fmt.Sprintf("%s (id %d)", sc.Name, id)
	if enabled {
		e, err := s.store.GetEnvironment(ctx, env)
		if err != nil {
			return nil, typed(err)
		}
		if t, err := s.Template(sc.Template, e.Namespace); err == nil {
			if err := refusedEveryTick(e, t.Type(), sc.Template); err != nil {
				return nil, err
			}
		}
	}
	cr, err := sc.ParsedCron()
	if err != nil {
		return nil, fmt.Errorf("schedule %d: its stored cron: %w", id, err)
	}
	if err := s.store.SetScheduleEnabled(ctx, id, enabled, cr.Next(s.savedPlans.now())); err != nil {
		return nil, typed(err)
	}
	s.log.Info("schedule "+kind[len("schedule."):]+"d", "schedule", id, "environment", env, "by", c.Name)
	sc, err = s.store.GetSchedule(ctx, id)
	return sc, typed(err)
}

// DeleteSchedule removes schedule id of environment env; the releases it
// queued stay. Forbidden without the deployer role on env; NotFound when
// env has no schedule id.
func (s *Service) DeleteSchedule(ctx context.Context, c Caller, env string, id int64) (err error) {
	act := &Act{Kind: "schedule.delete", Environment: env, Detail: fmt.Sprintf("schedule %d", id)}
	defer s.audit(ctx, c, act, &err)
	if err := c.Authorize(apiwire.RoleDeployer, env, "deleting a schedule"); err != nil {
		return err
	}
	sc, err := s.scheduleOf(ctx, env, id)
	if err != nil {
		return err
	}
	act.Detail = fmt.Sprintf("%s (id %d)", sc.Name, id)
	if err := s.store.DeleteSchedule(ctx, id); err != nil {
		return typed(err)
	}
	s.log.Info("schedule deleted", "schedule", id, "environment", env, "by", c.Name)
	return nil
}

// scheduleOf reads schedule id, NotFound unless it is environment env's.
func (s *Service) scheduleOf(ctx context.Context, env string, id int64) (*release.Schedule, error) {
	sc, err := s.store.GetSchedule(ctx, id)
	if err != nil {
		return nil, typed(err)
	}
	if sc.Environment != env {
		return nil, &Error{Kind: NotFound, Message: fmt.Sprintf("environment %q has no schedule %d", env, id)}
	}
	return sc, nil
}

// ScheduleCaller is who a schedule's releases are created by: named after
// the schedule (their triggered_by, the audit log's actor), holding the
// deployer role on its environment alone. A schedule acts with the rights
// its creation was authorized for.
func ScheduleCaller(sc *release.Schedule) Caller {
	return Caller{Name: sc.Caller(), Grants: []Grant{{Role: apiwire.RoleDeployer, Environment: sc.Environment}}, From: "scheduler"}
}

// fieldError turns a release.ScheduleFieldError into an Invalid naming its
// field.
func fieldError(err error) error {
	var fe *release.ScheduleFieldError
	if errors.As(err, &fe) {
		return invalid(fe.Field, "%s", fe.Message)
	}
	return err
}

// refusedEveryTick is the Invalid of a schedule whose template every tick
// would be refused in e: a release that changes an environment taking only
// what was signed off upstream.
func refusedEveryTick(e *release.Environment, t release.Type, template string) error {
	if e.RequireUpstreamSignOff && release.GatedBySignOff(t, release.DeploymentRegular) {
		return invalid("template", "template %q changes %s, which takes only what was signed off in %s: every tick would be refused; schedule a plan (full-plan) here, or promote from %s",
			template, e.Name, e.Upstream, e.Upstream)
	}
	return nil
}
