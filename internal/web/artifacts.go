package web

import (
	"net/http"
	"strconv"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// artifactsPage is GET /artifacts: registered artifacts, newest first,
// filtered like the API's GET /api/v1/artifacts (app_name, stack_name,
// build_id, deployed_to), 50 a page ("Older →" continues below cursor).
type artifactsPage struct {
	AppName, StackName, BuildID, DeployedTo string
	Artifacts                               []release.Artifact
	// Older is the query of the next page ("" on the last).
	Older string
}

func (p *Pages) artifacts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg := artifactsPage{AppName: q.Get("app_name"), StackName: q.Get("stack_name"), BuildID: q.Get("build_id"), DeployedTo: q.Get("deployed_to")}
	f := store.ArtifactFilter{AppName: pg.AppName, StackName: pg.StackName, BuildID: pg.BuildID, DeployedTo: pg.DeployedTo, Limit: pageSize + 1}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			p.fail(w, r, badRequest("cursor", "cursor %q is not an artifact id to continue below", v))
			return
		}
		f.BeforeID = n
	}
	as, err := p.store.ListArtifacts(r.Context(), f)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if len(as) > pageSize {
		as = as[:pageSize]
		q.Set("cursor", strconv.FormatInt(as[pageSize-1].ID, 10))
		pg.Older = "?" + q.Encode()
	}
	pg.Artifacts = as
	p.render(w, r, http.StatusOK, "artifacts", view{Title: "Artifacts", Nav: "artifacts", Data: pg})
}
