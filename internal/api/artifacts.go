package api

import (
	"net/http"
	"strconv"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

func (s *Server) listArtifacts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.ArtifactFilter{AppName: q.Get("app_name"), StackName: q.Get("stack_name"), BuildID: q.Get("build_id")}
	limit, err := limitOf(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	qh := queryHash(q)
	if c := q.Get("cursor"); c != "" {
		p, err := s.cursors.decode(c, "artifacts", qh, 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.BeforeID = p.ID
	}
	f.Limit = limit + 1
	as, err := s.store.ListArtifacts(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiwire.ArtifactList{Artifacts: as}
	if len(as) > limit {
		out.Artifacts = as[:limit]
		out.NextCursor = s.cursors.encode(position{Kind: "artifacts", Query: qh, ID: as[limit-1].ID})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) registerArtifact(w http.ResponseWriter, r *http.Request) {
	var req apiwire.ArtifactRequest
	if err := decodeJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.URI == "" {
		s.fail(w, r, invalid("artifact_uri", "artifact_uri is required"))
		return
	}
	a := release.Artifact{URI: req.URI, BuildID: req.BuildID, StackName: req.StackName, AppName: req.AppName,
		RegistrationMetadata: req.RegistrationMetadata}
	if err := s.store.RegisterArtifact(r.Context(), &a); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/artifacts/"+strconv.FormatInt(a.ID, 10))
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) getArtifact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.store.GetArtifact(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) latestArtifact(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	as, err := s.store.ListArtifacts(r.Context(), store.ArtifactFilter{AppName: q.Get("app_name"), StackName: q.Get("stack_name"), Limit: 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(as) == 0 {
		s.fail(w, r, notFound("no artifact with app_name %q and stack_name %q", q.Get("app_name"), q.Get("stack_name")))
		return
	}
	writeJSON(w, http.StatusOK, as[0])
}
