package api

import (
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

func (s *Server) listStates(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	limit, err := limitOf(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.store.GetEnvironment(r.Context(), name); err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := s.store.ListStateVersions(r.Context(), name, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if vs == nil {
		vs = []release.StateVersion{}
	}
	writeJSON(w, http.StatusOK, apiwire.StateVersionList{States: vs})
}
