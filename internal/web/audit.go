package web

import (
	"net/http"
	"strconv"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// auditPage is GET /audit (admin scope): the audit log, newest first,
// filtered by actor, environment and kind (an act, or a family ending in
// "."), 50 a page ("Older →" continues below cursor, an event id).
type auditPage struct {
	Actor, Environment, Kind string
	Events                   []release.AuditEvent
	// Older is the query of the next page ("" on the last).
	Older string
}

func (p *Pages) audit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg := auditPage{Actor: q.Get("actor"), Environment: q.Get("environment"), Kind: q.Get("kind")}
	f := store.AuditFilter{Actor: pg.Actor, Environment: pg.Environment, Kind: pg.Kind, Limit: pageSize + 1}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			p.fail(w, r, badRequest("cursor", "cursor %q is not an audit event id to continue below", v))
			return
		}
		f.BeforeID = n
	}
	evs, err := p.api.Service().ListAudit(r.Context(), callerOf(r), f)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if len(evs) > pageSize {
		evs = evs[:pageSize]
		q.Set("cursor", strconv.FormatInt(evs[pageSize-1].ID, 10))
		pg.Older = "?" + q.Encode()
	}
	pg.Events = evs
	p.render(w, r, http.StatusOK, "audit", view{Title: "Audit log", Nav: "audit", Data: pg})
}
