package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// pathID reads a numeric path value.
func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalid(name, "%s %q is not a positive whole number", name, v)
	}
	return id, nil
}

func (s *Server) listReleases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.ReleaseFilter{
		Environment: q.Get("environment"),
		Template:    q.Get("template"),
		TriggeredBy: q.Get("triggered_by"),
	}
	if f.Environment != "" {
		// a misspelt name must not look like an environment with no releases
		if _, err := s.store.GetEnvironment(r.Context(), f.Environment); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if v := q.Get("status"); v != "" {
		for part := range strings.SplitSeq(v, ",") {
			st, err := release.ParseStatus(strings.TrimSpace(part))
			if err != nil {
				s.fail(w, r, invalid("status", "%s", err.Error()))
				return
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if v := q.Get("deployment_type"); v != "" {
		dt, err := release.ParseDeploymentType(v)
		if err != nil {
			s.fail(w, r, invalid("deployment_type", "%s", err.Error()))
			return
		}
		f.DeploymentType = dt
	}
	if v := q.Get("release_type"); v != "" {
		t, err := release.ParseType(v)
		if err != nil {
			s.fail(w, r, invalid("release_type", "%s", err.Error()))
			return
		}
		f.Type = t
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"created_after", &f.CreatedAfter}, {"created_before", &f.CreatedBefore}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				s.fail(w, r, invalid(p.name, "%s %q is not an RFC 3339 time like 2026-01-02T15:04:05Z", p.name, v))
				return
			}
			*p.dst = &t
		}
	}
	limit, err := limitOf(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	qh := queryHash(q)
	if c := q.Get("cursor"); c != "" {
		p, err := s.cursors.decode(c, "releases", qh, 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.BeforeID = p.ID
	}
	f.Limit = limit + 1
	ids, err := s.store.ListReleaseIDs(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := ""
	if len(ids) > limit {
		ids = ids[:limit]
		next = s.cursors.encode(position{Kind: "releases", Query: qh, ID: ids[limit-1]})
	}
	body, err := s.releaseListJSON(r, ids, next)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeBody(w, http.StatusOK, body)
}

// releaseListJSON encodes a page of releases (listed by id) in full, each
// release encoded once: cached ones from the release cache, the others
// read in three queries for the whole page (rows, phases, artifacts). A
// release deleted between the listing and the read is left out.
func (s *Server) releaseListJSON(r *http.Request, ids []int64, next string) ([]byte, error) {
	cacheable := s.hub.connected()
	stamp := s.releases.stamp()
	bodies := make([][]byte, len(ids))
	var missing []int64
	for i, id := range ids {
		if bodies[i] = s.releases.get(id); bodies[i] == nil {
			missing = append(missing, id)
		}
	}
	read := map[int64][]byte{}
	if len(missing) > 0 {
		rs, err := s.store.ReleasesByID(r.Context(), missing)
		if err != nil {
			return nil, err
		}
		if err := s.store.AttachDetails(r.Context(), rs); err != nil {
			return nil, err
		}
		for _, rel := range rs {
			b, err := json.Marshal(rel)
			if err != nil {
				return nil, err
			}
			read[rel.ID] = b
			if cacheable {
				s.releases.put(rel, b, stamp)
			}
		}
	}
	size := 32
	kept := bodies[:0]
	for i, id := range ids {
		if bodies[i] == nil {
			bodies[i] = read[id]
		}
		if bodies[i] == nil {
			continue // deleted since it was listed
		}
		kept = append(kept, bodies[i])
		size += len(bodies[i]) + 1
	}
	bodies = kept
	out := make([]byte, 0, size+len(next))
	out = append(out, `{"releases":[`...)
	for i, b := range bodies {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	out = append(out, ']')
	if next != "" {
		out = append(out, `,"next_cursor":`...)
		out = strconv.AppendQuote(out, next)
	}
	return append(out, '}'), nil
}

func (s *Server) getRelease(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := s.releaseJSON(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeBody(w, http.StatusOK, body)
}

// releaseJSON is a release's JSON from the release cache, or read from
// the store and then cached.
func (s *Server) releaseJSON(ctx context.Context, id int64) ([]byte, error) {
	if body := s.releases.get(id); body != nil {
		return body, nil
	}
	// While the listener is down, changes go unannounced: no caching.
	cacheable := s.hub.connected()
	stamp := s.releases.stamp()
	rel, err := s.store.GetRelease(ctx, id)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(rel)
	if err != nil {
		return nil, err
	}
	if cacheable {
		s.releases.put(rel, body, stamp)
	}
	return body, nil
}

func (s *Server) createRelease(w http.ResponseWriter, r *http.Request) {
	var req apiwire.CreateReleaseRequest
	if err := decodeJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	rel, _, err := s.svc.CreateRelease(r.Context(), callerOf(r), service.NewRelease{CreateReleaseRequest: req})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.created(w, r, rel.ID)
}

// created answers 201 with the release as stored.
func (s *Server) created(w http.ResponseWriter, r *http.Request, id int64) {
	stored, err := s.store.GetRelease(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/releases/%d", id))
	writeJSON(w, http.StatusCreated, stored)
}
