package api

import "net/http"

// applySavedPlan queues a release that applies the plan release {id} saved
// (service.ApplySavedPlan): 201 + the new release; 409 saying why when the
// plan may not be applied (not a SUCCEEDED plan, too old, state moved).
func (s *Server) applySavedPlan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rel, err := s.svc.ApplySavedPlan(r.Context(), callerOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.created(w, r, rel.ID)
}
