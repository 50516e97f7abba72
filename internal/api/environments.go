package api

import (
	"errors"
	"net/http"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

func envView(e *release.Environment) apiwire.Environment {
	ts := map[string]string{}
	for a, d := range e.PhaseTimeouts {
		ts[string(a)] = d.String()
	}
	if e.Variables == nil {
		e.Variables = []release.Variable{}
	}
	return apiwire.Environment{Environment: e, PhaseTimeouts: ts}
}

// environmentOf checks a request and turns it into an environment, naming
// the field at fault.
func (s *Server) environmentOf(req apiwire.EnvironmentRequest) (*release.Environment, error) {
	if err := release.ValidateName("environment", req.Name); err != nil {
		return nil, invalid("name", "%s", err.Error())
	}
	env := &release.Environment{
		Name: req.Name, Namespace: req.Namespace, Source: req.Source, DefaultTemplate: req.DefaultTemplate,
		ApprovalRequired: req.ApprovalRequired, Variables: req.Variables,
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
	if _, err := s.template(env.DefaultTemplate, env.Namespace); err != nil {
		return nil, invalid("default_template", "%s", err.Error())
	}
	if err := checkSource(&env.Source); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, v := range env.Variables {
		if v.Name == "" {
			return nil, invalid("variables", "variable %d has no name", i)
		}
		if seen[v.Name] {
			return nil, invalid("variables", "variable %q is set twice", v.Name)
		}
		seen[v.Name] = true
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

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request) {
	envs, err := s.store.ListEnvironments(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiwire.EnvironmentList{Environments: make([]apiwire.Environment, 0, len(envs))}
	for _, e := range envs {
		out.Environments = append(out.Environments, envView(e))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createEnvironment(w http.ResponseWriter, r *http.Request) {
	var req apiwire.EnvironmentRequest
	if err := decodeJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	env, err := s.environmentOf(req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.CreateEnvironment(r.Context(), env); err != nil {
		s.fail(w, r, err)
		return
	}
	created, err := s.store.GetEnvironment(r.Context(), env.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/environments/"+env.Name)
	writeJSON(w, http.StatusCreated, envView(created))
}

func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request) {
	env, err := s.store.GetEnvironment(r.Context(), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, envView(env))
}

func (s *Server) updateEnvironment(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var req apiwire.EnvironmentRequest
	if err := decodeJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Name == "" {
		req.Name = name
	}
	if req.Name != name {
		s.fail(w, r, invalid("name", "the body names environment %q but the path %q: an environment cannot be renamed", req.Name, name))
		return
	}
	if _, err := s.store.GetEnvironment(r.Context(), name); err != nil {
		s.fail(w, r, err)
		return
	}
	env, err := s.environmentOf(req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.UpdateEnvironment(r.Context(), env); err != nil {
		s.fail(w, r, err)
		return
	}
	updated, err := s.store.GetEnvironment(r.Context(), name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, envView(updated))
}

func (s *Server) listResources(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, err := s.store.GetEnvironment(r.Context(), name); err != nil {
		s.fail(w, r, err)
		return
	}
	rs, err := s.store.ListResourceStatus(r.Context(), name, r.URL.Query().Get("address"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiwire.ResourceList{Resources: rs})
}

func (s *Server) listOutputs(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, err := s.store.GetEnvironment(r.Context(), name); err != nil {
		s.fail(w, r, err)
		return
	}
	outs, err := s.store.ListOutputs(r.Context(), name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiwire.OutputList{Outputs: outs})
}

func (s *Server) reportHealth(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var req apiwire.HealthReport
	if err := decodeJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Address == "" {
		s.fail(w, r, invalid("address", "address is required"))
		return
	}
	if !slices.Contains(release.HealthStatuses, req.HealthStatus) {
		s.fail(w, r, invalid("health_status", "health_status %q is not one of %v", req.HealthStatus, release.HealthStatuses))
		return
	}
	if _, err := s.store.GetEnvironment(r.Context(), name); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.ReportHealth(r.Context(), name, req.Address, req.HealthStatus); err != nil {
		s.fail(w, r, err)
		return
	}
	rs, err := s.store.ListResourceStatus(r.Context(), name, req.Address)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiwire.ResourceList{Resources: rs})
}

func (s *Server) deleteEnvironment(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	force := false
	if v := r.URL.Query().Get("force"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.fail(w, r, invalid("force", "force %q is not true or false", v))
			return
		}
		force = b
	}
	h, err := s.store.DeleteEnvironment(r.Context(), name, force)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.releasesGone(r.Context())
	s.log.Info("environment deleted", "environment", name, "releases", h.Releases, "state_versions", h.StateVersions, "outputs", h.Outputs)
	writeJSON(w, http.StatusOK, apiwire.EnvironmentDeleted{Environment: name, Releases: h.Releases, StateVersions: h.StateVersions, Outputs: h.Outputs})
}
