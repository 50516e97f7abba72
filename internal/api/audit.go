package api

import (
	"net/http"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AuditFilter{Actor: q.Get("actor"), Environment: q.Get("environment"), Kind: q.Get("kind")}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				s.fail(w, r, invalid(p.name, "%s %q is not an RFC 3339 time like 2026-01-02T15:04:05Z", p.name, v))
				return
			}
			*p.dst = t
		}
	}
	limit, err := limitOf(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	qh := queryHash(q)
	if c := q.Get("cursor"); c != "" {
		p, err := s.cursors.decode(c, "audit", qh, 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.BeforeID = p.ID
	}
	f.Limit = limit + 1
	evs, err := s.svc.ListAudit(r.Context(), callerOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiwire.AuditList{Events: evs}
	if out.Events == nil {
		out.Events = []release.AuditEvent{}
	}
	if len(evs) > limit {
		out.Events = evs[:limit]
		out.NextCursor = s.cursors.encode(position{Kind: "audit", Query: qh, ID: evs[limit-1].ID})
	}
	writeJSON(w, http.StatusOK, out)
}
