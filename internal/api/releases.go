package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
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
	q, err := apiwire.ParseReleaseQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, queryError(err))
		return
	}
	page, err := s.ReleasePage(r.Context(), callerOf(r), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := s.releaseListJSON(r, page)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeBody(w, http.StatusOK, body)
}

// queryError is a 400 naming the query parameter of an
// *apiwire.QueryError.
func queryError(err error) error {
	var qe *apiwire.QueryError
	if errors.As(err, &qe) {
		return invalid(qe.Field, "%s", qe.Message)
	}
	return err
}

// ReleasePage is one page of a release listing, newest first.
type ReleasePage struct {
	IDs []int64
	// Older is the cursor of the page of older releases, Newer of the
	// page of newer ones ("" when there are none: the last page, the
	// first page).
	Older, Newer string
}

// ReleasePage lists one page of the releases q selects. q.Cursor is a
// cursor this server (or one sharing its cursor key) made for the same
// filters; the API's listing and the pages' both page through here, so a
// page's cursor works in the API and the other way round. A newer page
// that reaches the newest release is the first page, full. Errors: the
// service's (invalid environment, forbidden), or an invalid cursor.
func (s *Server) ReleasePage(ctx context.Context, c service.Caller, q apiwire.ReleaseQuery) (ReleasePage, error) {
	qh := queryHash(q.Filters().Values())
	var at service.Page
	if q.Cursor != "" {
		p, err := s.cursors.decode(q.Cursor, "releases", qh, 0)
		if err != nil {
			return ReleasePage{}, err
		}
		if p.Newer {
			at.After = p.ID
		} else {
			at.Before = p.ID
		}
	}
	ids, more, err := s.svc.ListReleaseIDs(ctx, c, q, at, q.Limit)
	if err != nil {
		return ReleasePage{}, err
	}
	if at.After > 0 && !more {
		// back at the newest: the first page, full
		at = service.Page{}
		if ids, more, err = s.svc.ListReleaseIDs(ctx, c, q, at, q.Limit); err != nil {
			return ReleasePage{}, err
		}
	}
	page := ReleasePage{IDs: ids}
	if len(ids) == 0 {
		return page, nil
	}
	cursor := func(id int64, newer bool) string {
		return s.cursors.encode(position{Kind: "releases", Query: qh, ID: id, Newer: newer})
	}
	if more || at.After > 0 {
		page.Older = cursor(ids[len(ids)-1], false)
	}
	if at.Before > 0 || (at.After > 0 && more) {
		page.Newer = cursor(ids[0], true)
	}
	return page, nil
}

// releaseListJSON encodes a page of releases (listed by id) in full, each
// release encoded once: cached ones from the release cache, the others
// read in three queries for the whole page (rows, phases, artifacts). A
// release deleted between the listing and the read is left out.
func (s *Server) releaseListJSON(r *http.Request, page ReleasePage) ([]byte, error) {
	ids := page.IDs
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
	out := make([]byte, 0, size+len(page.Older)+len(page.Newer)+40)
	out = append(out, `{"releases":[`...)
	for i, b := range bodies {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	out = append(out, ']')
	if page.Older != "" {
		out = append(out, `,"next_cursor":`...)
		out = strconv.AppendQuote(out, page.Older)
	}
	if page.Newer != "" {
		out = append(out, `,"prev_cursor":`...)
		out = strconv.AppendQuote(out, page.Newer)
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
