package api

import (
	"net/http"
	"slices"
	"strconv"

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

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request) {
	envs, err := s.store.ListEnvironments(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiwire.EnvironmentList{Environments: make([]apiwire.Environment, 0, len(envs))}
	c := callerOf(r)
	for _, e := range envs {
		if !c.Holds(apiwire.RoleViewer, e.Name) {
			continue // listed to those who may view it
		}
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
	env, err := s.svc.CreateEnvironment(r.Context(), callerOf(r), req)
	if err != nil {
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
	if err := s.svc.UpdateEnvironment(r.Context(), callerOf(r), name, req); err != nil {
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
	h, err := s.svc.DeleteEnvironment(r.Context(), callerOf(r), name, force)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.releasesGone()
	s.log.Info("environment deleted", "environment", name, "releases", h.Releases, "state_versions", h.StateVersions, "outputs", h.Outputs)
	writeJSON(w, http.StatusOK, apiwire.EnvironmentDeleted{Environment: name, Releases: h.Releases, StateVersions: h.StateVersions, Outputs: h.Outputs})
}

func (s *Server) pauseEnvironment(w http.ResponseWriter, r *http.Request) {
	var req apiwire.PauseRequest
	if err := decodeJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.PathValue("name")
	if _, err := s.svc.PauseEnvironment(r.Context(), callerOf(r), name, req.Reason); err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeEnvironment(w, r, name)
}

func (s *Server) resumeEnvironment(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := s.svc.ResumeEnvironment(r.Context(), callerOf(r), name); err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeEnvironment(w, r, name)
}

// writeEnvironment answers with environment name as it now is.
func (s *Server) writeEnvironment(w http.ResponseWriter, r *http.Request, name string) {
	env, err := s.store.GetEnvironment(r.Context(), name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, envView(env))
}

func (s *Server) environmentQueue(w http.ResponseWriter, r *http.Request) {
	q, err := s.svc.Queue(r.Context(), callerOf(r), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, q)
}

// unpromotedReleases answers what is upstream of {name} and not promoted
// yet (service.Unpromoted).
func (s *Server) unpromotedReleases(w http.ResponseWriter, r *http.Request) {
	u, err := s.svc.Unpromoted(r.Context(), callerOf(r), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// stateLock answers whether {name}'s state is locked (service.StateLock).
func (s *Server) stateLock(w http.ResponseWriter, r *http.Request) {
	l, err := s.svc.StateLock(r.Context(), callerOf(r), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

// unlockState releases {name}'s state lock (service.UnlockState): 201 +
// the UNLOCK release; 400 naming lock_id or reason; 409 when the state is
// not locked by that lock.
func (s *Server) unlockState(w http.ResponseWriter, r *http.Request) {
	var req apiwire.UnlockRequest
	if err := decodeJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	rel, err := s.svc.UnlockState(r.Context(), callerOf(r), r.PathValue("name"), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.created(w, r, rel.ID)
}
