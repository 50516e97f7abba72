package api

import (
	"context"
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
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

// pendingRelease reads the release of a decision and checks that it waits
// for one.
func (s *Server) pendingRelease(r *http.Request, verb string) (int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, err
	}
	cur, err := s.store.GetRelease(r.Context(), id)
	if err != nil {
		return 0, err
	}
	if cur.Status != release.StatusPendingApproval {
		return 0, conflict("release %d is %s: only a release waiting for approval (PENDING_APPROVAL) can be %s", id, cur.Status, verb)
	}
	return id, nil
}

func (s *Server) approveRelease(w http.ResponseWriter, r *http.Request) {
	s.decide(w, r, "approved", s.store.Approve)
}

func (s *Server) rejectRelease(w http.ResponseWriter, r *http.Request) {
	s.decide(w, r, "rejected", s.store.Reject)
}

// decide records an approver's verdict on a release waiting for one.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, verb string,
	record func(ctx context.Context, id int64, by, comment string) error) {
	var req apiwire.CommentRequest
	if err := decodeOptionalJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := s.pendingRelease(r, verb)
	if err == nil {
		err = record(r.Context(), id, who(r), req.Comment)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("release "+verb, "release", id, "by", who(r))
	s.respondRelease(w, r, id)
}

func (s *Server) abortRelease(w http.ResponseWriter, r *http.Request) {
	var req apiwire.CommentRequest
	if err := decodeOptionalJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cur, err := s.store.GetRelease(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := cur.MayAbort(); err != nil {
		s.fail(w, r, conflict("%s", err.Error()))
		return
	}
	if _, err := s.store.RequestAbort(r.Context(), id, who(r), req.Comment); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("release abort requested", "release", id, "by", who(r), "was", cur.Status)
	s.respondRelease(w, r, id)
}

func (s *Server) signOffRelease(w http.ResponseWriter, r *http.Request) {
	var req apiwire.SignOffRequest
	if err := decodeJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Status != release.SignOffApproved && req.Status != release.SignOffRejected {
		s.fail(w, r, invalid("status", "status must be APPROVED or REJECTED, not %q", req.Status))
		return
	}
	if err := s.store.SignOff(r.Context(), id, req.Status, who(r), req.Comment); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("release signed off", "release", id, "by", who(r), "status", req.Status)
	s.respondRelease(w, r, id)
}

func (s *Server) rollbackRelease(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rel, err := s.rollbackTo(r, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.CreateRelease(r.Context(), rel); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("rollback queued", "release", rel.ID, "rolls_back_to", id, "by", who(r))
	s.created(w, r, rel.ID)
}

// rollbackTo builds a ROLLBACK release that re-applies release id: its
// blueprint version, artifacts, targets and variables, with its template.
// Release id must be a SUCCEEDED apply that recorded a blueprint version;
// the new release's rollback_of is id.
func (s *Server) rollbackTo(r *http.Request, id int64) (*release.Release, error) {
	ctx := r.Context()
	target, err := s.store.GetRelease(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case target.Status != release.StatusSucceeded:
		return nil, conflict("release %d is %s: only a SUCCEEDED release can be rolled back to", id, target.Status)
	case target.Type != release.TypeApply:
		return nil, conflict("release %d is a %s release: it applied nothing to roll back to", id, target.Type)
	case target.BlueprintVersion == "":
		return nil, conflict("release %d recorded no blueprint version: there is no configuration to re-apply", id)
	}
	t, err := s.catalog.Get(target.TemplateNamespace, target.Template)
	if err != nil {
		return nil, conflict("release %d ran template %s/%s, which is no longer known: %v", id, target.TemplateNamespace, target.Template, err)
	}
	env, err := s.store.GetEnvironment(ctx, target.Environment)
	if err != nil {
		return nil, err
	}
	vars, err := s.store.RollbackVariables(ctx, id)
	if err != nil {
		return nil, err
	}
	phases := t.Phases()
	return &release.Release{
		Environment:       env.Name,
		Namespace:         env.Namespace,
		Template:          t.Name(),
		TemplateNamespace: t.Namespace(),
		Phases:            phases,
		Type:              t.Type(),
		DeploymentType:    release.DeploymentRollback,
		TriggeredBy:       who(r),
		BlueprintVersion:  target.BlueprintVersion,
		Targets:           target.Targets,
		Approval:          release.Approval{Required: release.NeedsApproval(env, phases)},
		Artifacts:         append([]release.Artifact(nil), target.Artifacts...),
		Variables:         vars,
		RollbackOf:        &id,
	}, nil
}
