package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// releaseFilter is the release list's GET form, filled from the query
// (apiwire.ReleaseQuery, parsed as the API parses it) in the forms the
// inputs take.
type releaseFilter struct {
	apiwire.ReleaseQuery
	// CreatedAfter, CreatedBefore: the date inputs' values (2026-01-02).
	CreatedAfter, CreatedBefore string
	// ReleaseType, DeploymentType: the selects' values.
	ReleaseType, DeploymentType string
}

// pageSize is how many releases a list page shows.
const pageSize = 50

func filterForm(q apiwire.ReleaseQuery) releaseFilter {
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	return releaseFilter{ReleaseQuery: q, CreatedAfter: day(q.CreatedAfter), CreatedBefore: day(q.CreatedBefore),
		ReleaseType: string(q.Type), DeploymentType: string(q.DeploymentType)}
}

type releaseList struct {
	Filter   releaseFilter
	Releases []*release.Release
	// Older is the query of the next page ("" on the last).
	Older    string
	Statuses []release.Status
	// AllEnvironments: the list spans environments (/releases), so the
	// form filters by one.
	AllEnvironments bool
}

// listReleases reads one page of releases for the request's query,
// paged as the API pages (one cursor for both).
func (p *Pages) listReleases(r *http.Request, env string) (releaseList, error) {
	raw := r.URL.Query()
	if env != "" {
		raw.Set("environment", env)
	}
	out := releaseList{Statuses: release.Statuses}
	q, err := apiwire.ParseReleaseQuery(raw)
	out.Filter = filterForm(q)
	if err != nil {
		var qe *apiwire.QueryError
		if errors.As(err, &qe) {
			return out, badRequest(qe.Field, "%s", qe.Message)
		}
		return out, err
	}
	if q.Limit == 0 {
		q.Limit = pageSize
	}
	ids, next, err := p.api.ReleasePage(r.Context(), callerOf(r), q)
	if err != nil {
		return out, err
	}
	if out.Releases, err = p.store.ReleasesByID(r.Context(), ids); err != nil {
		return out, err
	}
	if next != "" {
		nq := q
		nq.Cursor = next
		if nq.Limit == pageSize {
			nq.Limit = 0
		}
		if env != "" {
			nq.Environment = ""
		}
		out.Older = "?" + nq.Values().Encode()
	}
	return out, nil
}

func (p *Pages) releases(w http.ResponseWriter, r *http.Request) {
	rl, err := p.listReleases(r, "")
	rl.AllEnvironments = true
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "releases", view{Title: "Releases", Nav: "releases", Data: rl})
}
