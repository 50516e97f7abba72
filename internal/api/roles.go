package api

import (
	"net/http"
	"strconv"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// roleBindingOf is a stored binding as the API shows it.
func roleBindingOf(b store.RoleBinding) apiwire.RoleBinding {
	return apiwire.RoleBinding{ID: b.ID, SubjectKind: b.SubjectKind, Subject: b.Subject, Role: apiwire.Role(b.Role),
		Environment: b.Environment, CreatedBy: b.CreatedBy, CreatedAt: b.CreatedAt}
}

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request) {
	bs, err := s.svc.ListRoleBindings(r.Context(), callerOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiwire.RoleBindingList{Bindings: []apiwire.RoleBinding{}}
	for _, b := range bs {
		out.Bindings = append(out.Bindings, roleBindingOf(b))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) grantRole(w http.ResponseWriter, r *http.Request) {
	var req apiwire.RoleBindingRequest
	if err := decodeJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := s.svc.GrantRole(r.Context(), callerOf(r), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, roleBindingOf(*b))
}

func (s *Server) revokeRole(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, invalid("id", "role binding id %q is not a positive integer", r.PathValue("id")))
		return
	}
	if _, err := s.svc.RevokeRole(r.Context(), callerOf(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
