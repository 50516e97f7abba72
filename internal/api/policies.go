package api

import (
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) {
	ps, err := s.svc.ListPolicies(r.Context(), callerOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiwire.PolicyList{Policies: ps})
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := s.svc.GetPolicy(r.Context(), callerOf(r), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) putPolicy(w http.ResponseWriter, r *http.Request) {
	var req apiwire.PolicyRequest
	if err := decodeJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	p, created, err := s.svc.PutPolicy(r.Context(), callerOf(r), r.PathValue("name"), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, p)
}

func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.DeletePolicy(r.Context(), callerOf(r), r.PathValue("name")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
