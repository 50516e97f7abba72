package api

import (
	"context"
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
)

// respondRelease answers with the release as it now is.
func (s *Server) respondRelease(w http.ResponseWriter, r *http.Request, id int64) {
	// the action changed it: no cached copy may outlive the change
	s.releases.drop(id)
	rel, err := s.store.GetRelease(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rel)
}

func (s *Server) approveRelease(w http.ResponseWriter, r *http.Request) {
	s.decide(w, r, s.svc.Approve)
}

func (s *Server) rejectRelease(w http.ResponseWriter, r *http.Request) {
	s.decide(w, r, s.svc.Reject)
}

func (s *Server) abortRelease(w http.ResponseWriter, r *http.Request) {
	s.decide(w, r, s.svc.Abort)
}

// decide runs a use case that takes a release and an optional comment
// (approve, reject, abort) and answers with the release as it now is.
func (s *Server) decide(w http.ResponseWriter, r *http.Request,
	run func(ctx context.Context, c service.Caller, id int64, comment string) error) {
	var req apiwire.CommentRequest
	if err := decodeOptionalJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = run(r.Context(), callerOf(r), id, req.Comment)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.respondRelease(w, r, id)
}

func (s *Server) signOffRelease(w http.ResponseWriter, r *http.Request) {
	var req apiwire.SignOffRequest
	if err := decodeJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = s.svc.SignOff(r.Context(), callerOf(r), id, req.Status, req.Comment)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.respondRelease(w, r, id)
}

func (s *Server) rollbackRelease(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rel, err := s.svc.Rollback(r.Context(), callerOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.created(w, r, rel.ID)
}

// promoteRelease queues a release downstream that runs what release {id}
// ran (service.Promote): 201 + the new release; 400 naming environment or
// template; 409 saying why (not a SUCCEEDED apply, not signed off where
// that is required).
func (s *Server) promoteRelease(w http.ResponseWriter, r *http.Request) {
	var req apiwire.PromoteRequest
	if err := decodeOptionalJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rel, err := s.svc.Promote(r.Context(), callerOf(r), id, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.created(w, r, rel.ID)
}
