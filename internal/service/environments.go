package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// EnvironmentScope is the scope creating, updating and deleting an
// environment needs.
const EnvironmentScope = apiwire.ScopeAdmin

// Template resolves a template reference as a release or an environment
// names it: "namespace/name", else name in the environment's namespace,
// else in the default one. It returns template.ErrNotFound (wrapped) when
// there is none.
func (s *Service) Template(ref, envNamespace string) (*template.Template, error) {
	if ns, name, ok := strings.Cut(ref, "/"); ok {
		return s.catalog.Get(ns, name)
	}
	if envNamespace != "" && envNamespace != template.DefaultNamespace {
		if t, err := s.catalog.Get(envNamespace, ref); err == nil {
			return t, nil
		}
	}
	return s.catalog.Get("", ref)
}

// CreateEnvironment checks req and stores it as a new environment, which
// it returns. Forbidden without the admin role on the environment; Invalid naming the field
// at fault (a dir source must exist on this machine); Conflict when the
// name is taken.
func (s *Service) CreateEnvironment(ctx context.Context, c Caller, req apiwire.EnvironmentRequest) (_ *release.Environment, err error) {
	defer s.audit(ctx, c, &Act{Kind: "environment.create", Environment: req.Name}, &err)
	if err := c.Authorize(apiwire.RoleAdmin, req.Name, "creating an environment"); err != nil {
		return nil, err
	}
	env, err := s.environmentOf(req)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateEnvironment(ctx, env); err != nil {
		return nil, upstreamTyped(err)
	}
	s.log.Info("environment created", "environment", env.Name, "by", c.Name)
	return env, nil
}

// UpdateEnvironment replaces environment name's settings with req (an
// empty req.Name means name). Forbidden without the admin role on the environment; Invalid
// as CreateEnvironment's, or when req names another environment (no
// renames); NotFound.
func (s *Service) UpdateEnvironment(ctx context.Context, c Caller, name string, req apiwire.EnvironmentRequest) (err error) {
	defer s.audit(ctx, c, &Act{Kind: "environment.update", Environment: name}, &err)
	if err := c.Authorize(apiwire.RoleAdmin, name, "updating an environment"); err != nil {
		return err
	}
	if req.Name == "" {
		req.Name = name
	}
	if req.Name != name {
		return invalid("name", "the body names environment %q but the path %q: an environment cannot be renamed", req.Name, name)
	}
	if _, err := s.store.GetEnvironment(ctx, name); err != nil {
		return typed(err)
	}
	env, err := s.environmentOf(req)
	if err != nil {
		return err
	}
	if err := s.store.UpdateEnvironment(ctx, env); err != nil {
		return upstreamTyped(err)
	}
	s.log.Info("environment updated", "environment", name, "by", c.Name)
	return nil
}

// DeleteEnvironment deletes environment name (store.DeleteEnvironment:
// with its history only when force) and says what went with it.
// Forbidden without the admin role on the environment; NotFound; Conflict when it has
// history and force is false, or a release of it is not finished.
func (s *Service) DeleteEnvironment(ctx context.Context, c Caller, name string, force bool) (_ store.EnvironmentHistory, err error) {
	defer s.audit(ctx, c, &Act{Kind: "environment.delete", Environment: name, Detail: fmt.Sprintf("force=%t", force)}, &err)
	if err := c.Authorize(apiwire.RoleAdmin, name, "deleting an environment"); err != nil {
		return store.EnvironmentHistory{}, err
	}
	h, err := s.store.DeleteEnvironment(ctx, name, force)
	if err != nil {
		return h, typed(err)
	}
	s.log.Info("environment deleted", "environment", name, "by", c.Name, "releases", h.Releases, "state_versions", h.StateVersions, "outputs", h.Outputs)
	return h, nil
}

// environmentOf checks a request and turns it into an environment, naming
// the field at fault.
func (s *Service) environmentOf(req apiwire.EnvironmentRequest) (*release.Environment, error) {
	if err := release.ValidateName("environment", req.Name); err != nil {
		return nil, invalid("name", "%s", err.Error())
	}
	env := &release.Environment{
		Name: req.Name, Namespace: req.Namespace, Source: req.Source, DefaultTemplate: req.DefaultTemplate,
		ApprovalRequired: req.ApprovalRequired, Variables: req.Variables, MaintenanceWindows: req.MaintenanceWindows,
		Runner: req.Runner, Upstream: req.Upstream, RequireUpstreamSignOff: req.RequireUpstreamSignOff,
	}
	if env.Upstream != "" {
		if err := release.ValidateName("environment", env.Upstream); err != nil {
			return nil, invalid("upstream", "%s", err.Error())
		}
		if env.Upstream == env.Name {
			return nil, invalid("upstream", "environment %q cannot be its own upstream", env.Name)
		}
	}
	if env.RequireUpstreamSignOff && env.Upstream == "" {
		return nil, invalid("require_upstream_signoff", "requiring upstream sign-off needs an upstream environment: set upstream too")
	}
	switch env.Runner {
	case "":
		env.Runner = release.RunnerWorker
	case release.RunnerWorker, release.RunnerJob:
	default:
		return nil, invalid("runner", "%q is not a runner: use %q (the worker pool) or %q (a Kubernetes Job per release in the environment's namespace, run by `shiplog controller --runner=job`)",
			env.Runner, release.RunnerWorker, release.RunnerJob)
	}
	if env.Namespace == "" {
		env.Namespace = "default"
	}
	if err := release.ValidateName("namespace", env.Namespace); err != nil {
		return nil, invalid("namespace", "%s", err.Error())
	}
	if env.DefaultTemplate == "" {
		env.DefaultTemplate = "terraform-apply"
	}
	if _, err := s.Template(env.DefaultTemplate, env.Namespace); err != nil {
		return nil, invalid("default_template", "%s", err.Error())
	}
	if err := checkSource(&env.Source); err != nil {
		return nil, err
	}
	if err := release.CheckVariables(env.Variables); err != nil {
		return nil, invalid("variables", "%s", err.Error())
	}
	for a, v := range req.PhaseTimeouts {
		if !slices.Contains(release.Actions, release.Action(a)) {
			return nil, invalid("phase_timeouts", "%q is not a phase action (want one of %v)", a, release.Actions)
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, invalid("phase_timeouts", "timeout %q for %s phases is not a positive duration like 45m", v, a)
		}
		if env.PhaseTimeouts == nil {
			env.PhaseTimeouts = map[release.Action]time.Duration{}
		}
		env.PhaseTimeouts[release.Action(a)] = d
	}
	if err := env.Validate(); err != nil {
		var we *release.WindowError
		if errors.As(err, &we) {
			return nil, invalid("maintenance_windows", "%s", err.Error())
		}
		return nil, invalid("", "%s", err.Error())
	}
	return env, nil
}

// checkSource normalizes and checks a source; a dir source's directory
// must exist on this machine (workers check again on theirs).
func checkSource(src *release.Source) error {
	src.Normalize()
	if err := src.Validate(); err != nil {
		var se *release.SourceError
		if errors.As(err, &se) {
			return invalid(se.Field, "%s", se.Reason)
		}
		return invalid("source", "%s", err.Error())
	}
	if src.Kind == release.SourceDir {
		fi, err := os.Stat(src.Dir)
		if err != nil {
			return invalid("source.dir", "directory %s does not exist on the API server's machine %s: %v", src.Dir, hostname(), err)
		}
		if !fi.IsDir() {
			return invalid("source.dir", "%s on the API server's machine %s is not a directory", src.Dir, hostname())
		}
	}
	return nil
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "(unknown host)"
	}
	return h
}

// PauseEnvironment pauses environment name: its queued releases (and any
// created while it is paused) wait, in order, until it is resumed; a
// running release goes on. reason is required: the waiting releases show
// it. Forbidden without the admin role on the environment; Invalid (field reason);
// NotFound; Conflict when it is already paused.
func (s *Service) PauseEnvironment(ctx context.Context, c Caller, name, reason string) (_ *release.Pause, err error) {
	defer s.audit(ctx, c, &Act{Kind: "environment.pause", Environment: name, Detail: reason}, &err)
	if err := c.Authorize(apiwire.RoleAdmin, name, "pausing an environment"); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, invalid("reason", "say why the environment is paused: the releases waiting for it show the reason")
	}
	if len(reason) > 2000 {
		return nil, invalid("reason", "the reason is %d bytes long; at most 2000", len(reason))
	}
	p, err := s.store.PauseEnvironment(ctx, name, c.Name, reason)
	if err != nil {
		return nil, typed(err)
	}
	s.log.Info("environment paused", "environment", name, "by", c.Name, "reason", reason)
	return p, nil
}

// ResumeEnvironment resumes environment name: its queued releases run in
// the order they were queued. Forbidden without the admin role on the environment;
// NotFound; Conflict when it is not paused.
func (s *Service) ResumeEnvironment(ctx context.Context, c Caller, name string) (err error) {
	defer s.audit(ctx, c, &Act{Kind: "environment.resume", Environment: name}, &err)
	if err := c.Authorize(apiwire.RoleAdmin, name, "resuming an environment"); err != nil {
		return err
	}
	if err := s.store.ResumeEnvironment(ctx, name); err != nil {
		return typed(err)
	}
	s.log.Info("environment resumed", "environment", name, "by", c.Name)
	return nil
}

// upstreamTyped is typed, with a refused upstream as Invalid on field
// upstream.
func upstreamTyped(err error) error {
	var ue *store.UpstreamError
	if errors.As(err, &ue) {
		return &Error{Kind: Invalid, Field: "upstream", Message: ue.Error(), Err: err}
	}
	return typed(err)
}
