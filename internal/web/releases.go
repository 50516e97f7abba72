package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// releaseFilter is the release list's GET form, named like the API's
// query parameters; before is the id to continue below ("Older →").
type releaseFilter struct {
	Environment, Status, Template, DeploymentType, TriggeredBy, CreatedAfter, CreatedBefore string
	// ReleaseType is PLAN, APPLY or DESTROY (API: release_type).
	ReleaseType string
	Before      int64
}

// pageSize is how many releases a list page shows.
const pageSize = 50

func parseReleaseFilter(q url.Values) (releaseFilter, store.ReleaseFilter, error) {
	rf := releaseFilter{Environment: q.Get("environment"), Status: q.Get("status"), Template: q.Get("template"),
		DeploymentType: q.Get("deployment_type"), TriggeredBy: q.Get("triggered_by"),
		CreatedAfter: q.Get("created_after"), CreatedBefore: q.Get("created_before"), ReleaseType: q.Get("release_type")}
	f := store.ReleaseFilter{Environment: rf.Environment, Template: rf.Template, TriggeredBy: rf.TriggeredBy, Limit: pageSize + 1}
	for _, part := range q["status"] {
		for s := range strings.SplitSeq(part, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			st, err := release.ParseStatus(s)
			if err != nil {
				return rf, f, badRequest("status", "%s", err.Error())
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if rf.ReleaseType != "" {
		t, err := release.ParseType(rf.ReleaseType)
		if err != nil {
			return rf, f, badRequest("release_type", "%s", err.Error())
		}
		f.Type = t
	}
	if rf.DeploymentType != "" {
		dt, err := release.ParseDeploymentType(rf.DeploymentType)
		if err != nil {
			return rf, f, badRequest("deployment_type", "%s", err.Error())
		}
		f.DeploymentType = dt
	}
	for _, d := range []struct {
		name, v string
		dst     **time.Time
	}{{"created_after", rf.CreatedAfter, &f.CreatedAfter}, {"created_before", rf.CreatedBefore, &f.CreatedBefore}} {
		if d.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, d.v)
		if err != nil {
			// the browser's date input gives a day
			if t, err = time.Parse("2006-01-02", d.v); err != nil {
				return rf, f, badRequest(d.name, "%s %q is not a date (2026-01-02) or an RFC 3339 time", d.name, d.v)
			}
		}
		*d.dst = &t
	}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return rf, f, badRequest("cursor", "cursor %q is not a release id to continue below", v)
		}
		rf.Before, f.BeforeID = n, n
	}
	return rf, f, nil
}

// hasStatus reports whether the filter picks a status (for the checkboxes).
func (rf releaseFilter) HasStatus(s release.Status) bool {
	for part := range strings.SplitSeq(rf.Status, ",") {
		if strings.TrimSpace(part) == string(s) {
			return true
		}
	}
	return false
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

// listReleases reads one page of releases for a filter.
func (p *Pages) listReleases(r *http.Request, env string) (releaseList, error) {
	q := r.URL.Query()
	if env != "" {
		q.Set("environment", env)
	}
	rf, f, err := parseReleaseFilter(q)
	out := releaseList{Filter: rf, Statuses: release.Statuses}
	if err != nil {
		return out, err
	}
	rs, err := p.store.ListReleases(r.Context(), f)
	if err != nil {
		return out, err
	}
	if len(rs) > pageSize {
		rs = rs[:pageSize]
		q.Set("cursor", strconv.FormatInt(rs[pageSize-1].ID, 10))
		if env != "" {
			q.Del("environment")
		}
		out.Older = "?" + q.Encode()
	}
	out.Releases = rs
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
