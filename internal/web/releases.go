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

// totalCap bounds the count of releases shown above a list, so a filter
// that selects millions costs what 10,000 cost.
const totalCap = 10_000

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
	// Older, Newer: the queries of the pages of older and of newer
	// releases ("" on the last, on the first page).
	Older, Newer string
	// Total counts the releases the filters select, up to totalCap
	// (TotalCapped then: "10,000 or more").
	Total       int64
	TotalCapped bool
	Statuses    []release.Status
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
	page, err := p.api.ReleasePage(r.Context(), callerOf(r), q)
	if err != nil {
		return out, err
	}
	if out.Releases, err = p.store.ReleasesByID(r.Context(), page.IDs); err != nil {
		return out, err
	}
	n, err := p.api.Service().CountReleases(r.Context(), callerOf(r), q, totalCap+1)
	if err != nil {
		return out, err
	}
	out.Total, out.TotalCapped = min(n, totalCap), n > totalCap
	link := func(cursor string) string {
		if cursor == "" {
			return ""
		}
		nq := q
		nq.Cursor = cursor
		if nq.Limit == pageSize {
			nq.Limit = 0
		}
		if env != "" {
			nq.Environment = ""
		}
		return "?" + nq.Values().Encode()
	}
	out.Older, out.Newer = link(page.Older), link(page.Newer)
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
