package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

type envPage struct {
	Env       *release.Environment
	Tab       string
	Releases  releaseList
	Modules   []moduleGroup
	Resources int
	Sync      string
	Health    string
	Module    string
	// Next is the query of the next page of resources ("" on the last).
	Next        string
	Deployments []release.ApplicationDeployment
	// MayControl: the person may pause and resume the environment.
	MayControl bool
	// WindowOpens is when its next maintenance window opens, while all
	// are closed (nil otherwise).
	WindowOpens *time.Time
	// Queue is the queue tab's: what has not finished, in order;
	// MayCancel: the person may abort (cancel) queued releases.
	Queue     *apiwire.Queue
	MayCancel bool
	// Stream is what is upstream and not promoted yet (nil without an
	// upstream, or off the releases tab); MayPromote: the person may
	// promote here.
	Stream     *apiwire.Unpromoted
	MayPromote bool
	// Lock is the settings tab's state lock (nil: not locked).
	Lock *release.StateLock
	// Schedules are the settings tab's: the environment's schedules.
	Schedules []*release.Schedule
}

type moduleGroup struct {
	Module    string
	Resources []release.ResourceStatus
	Worst     int
	// Total counts the module's resources matching the filters on every
	// page (Resources holds this page's).
	Total int
}

// healthRank orders health worst first.
var healthRank = map[release.HealthStatus]int{release.Missing: 0, release.Degraded: 1, release.Suspended: 2,
	release.Progressing: 3, release.Unknown: 4, release.Healthy: 5}

// moduleOf is the module part of a resource address ("" for the root).
func moduleOf(addr string) string {
	parts := strings.Split(addr, ".")
	mod := []string{}
	for i := 0; i+1 < len(parts) && parts[i] == "module"; i += 2 {
		mod = append(mod, parts[i], parts[i+1])
	}
	return strings.Join(mod, ".")
}

func (p *Pages) environment(w http.ResponseWriter, r *http.Request) {
	name, tab := r.PathValue("name"), r.PathValue("tab")
	if tab == "" {
		tab = "releases"
	}
	env, err := p.store.GetEnvironment(r.Context(), name)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	pg := envPage{Env: env, Tab: tab, MayControl: callerOf(r).Holds(apiwire.RoleAdmin, name), WindowOpens: nextWindow(env, p.now())}
	switch tab {
	case "releases":
		pg.Releases, err = p.listReleases(r, name)
		if err == nil && env.Upstream != "" && callerOf(r).Holds(apiwire.RoleViewer, env.Upstream) {
			pg.Stream, err = p.api.Service().Unpromoted(r.Context(), callerOf(r), name)
			pg.MayPromote = callerOf(r).Holds(apiwire.RoleDeployer, name)
		}
	case "resources":
		err = p.resources(r, &pg)
	case "deployments":
		pg.Deployments, err = p.store.Deployments(r.Context(), store.DeploymentFilter{Environment: name, Limit: 200})
	case "queue":
		pg.Queue, err = p.api.Service().Queue(r.Context(), callerOf(r), name)
		pg.MayCancel = callerOf(r).Holds(apiwire.RoleDeployer, name)
	case "settings":
		pg.Schedules, err = p.api.Service().ListSchedules(r.Context(), callerOf(r), name)
		if err == nil {
			pg.Lock, err = p.store.StateLockOf(r.Context(), name)
		}
	default:
		err = badRequest("tab", "environment tab %q does not exist (releases, queue, resources, deployments or settings)", tab)
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "environment", view{Title: env.Name, Nav: "env", Data: pg})
}

// resources groups an environment's resources by module, worst health
// first, filtered by the sync, health and module query parameters.
func (p *Pages) resources(r *http.Request, pg *envPage) error {
	q := r.URL.Query()
	pg.Sync, pg.Health, pg.Module = q.Get("sync"), q.Get("health"), q.Get("module")
	limit := resourcesPerPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxResourcePage {
			return badRequest("limit", "limit %q is not a whole number from 1 to %d", v, maxResourcePage)
		}
		limit = n
	}
	rs, err := p.store.ListResourceStatus(r.Context(), pg.Env.Name, "")
	if err != nil {
		return err
	}
	groups := map[string]*moduleGroup{}
	for _, res := range rs {
		if pg.Sync != "" && string(res.SyncStatus) != pg.Sync || pg.Health != "" && string(res.HealthStatus) != pg.Health {
			continue
		}
		mod := moduleOf(res.Address)
		if pg.Module != "" && pg.Module != mod {
			continue
		}
		g := groups[mod]
		if g == nil {
			g = &moduleGroup{Module: mod, Worst: 99}
			groups[mod] = g
		}
		g.Resources = append(g.Resources, res)
		g.Total++
		g.Worst = min(g.Worst, healthRank[res.HealthStatus])
		pg.Resources++
	}
	for _, g := range groups {
		slices.SortStableFunc(g.Resources, func(a, b release.ResourceStatus) int {
			return cmp.Or(cmp.Compare(healthRank[a.HealthStatus], healthRank[b.HealthStatus]), naturalCompare(a.Address, b.Address))
		})
		pg.Modules = append(pg.Modules, *g)
	}
	slices.SortFunc(pg.Modules, func(a, b moduleGroup) int {
		return cmp.Or(cmp.Compare(a.Worst, b.Worst), naturalCompare(a.Module, b.Module))
	})
	return pg.page(q, limit)
}

// resourcesPerPage is how many resources a page of the Resources tab shows
// by default; maxResourcePage the most a limit asks for.
const (
	resourcesPerPage = 200
	maxResourcePage  = 1000
)

// page keeps the limit resources after the cursor (the address last
// shown, in the tab's order: worst module first, worst health first) and
// sets Next to the query of the page after.
func (pg *envPage) page(q url.Values, limit int) error {
	var flat []release.ResourceStatus
	for _, g := range pg.Modules {
		flat = append(flat, g.Resources...)
	}
	from := 0
	if c := q.Get("cursor"); c != "" {
		i := slices.IndexFunc(flat, func(r release.ResourceStatus) bool { return r.Address == c })
		if i < 0 {
			return badRequest("cursor", "the cursor %q is no resource of this listing: start again from the first page", c)
		}
		from = i + 1
	}
	to := min(len(flat), from+limit)
	if to < len(flat) {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("cursor", flat[to-1].Address)
		pg.Next = "?" + next.Encode()
	}
	shown := map[string]bool{}
	for _, r := range flat[from:to] {
		shown[r.Address] = true
	}
	var mods []moduleGroup
	for _, g := range pg.Modules {
		var rs []release.ResourceStatus
		for _, r := range g.Resources {
			if shown[r.Address] {
				rs = append(rs, r)
			}
		}
		if len(rs) > 0 {
			g.Resources = rs
			mods = append(mods, g)
		}
	}
	pg.Modules = mods
	return nil
}

// envAct pauses or resumes an environment from its page's forms.
func (p *Pages) envAct(w http.ResponseWriter, r *http.Request) {
	name, action := r.PathValue("name"), r.PathValue("action")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, badRequest("reason", "the form could not be read: %s", err.Error()))
		return
	}
	svc, caller := p.api.Service(), callerOf(r)
	var err error
	switch action {
	case "pause":
		_, err = svc.PauseEnvironment(r.Context(), caller, name, r.PostForm.Get("reason"))
	case "resume":
		err = svc.ResumeEnvironment(r.Context(), caller, name)
	case "unlock":
		var rel *release.Release
		rel, err = svc.UnlockState(r.Context(), caller, name, apiwire.UnlockRequest{LockID: r.PostForm.Get("lock_id"), Reason: r.PostForm.Get("reason"), Force: r.PostForm.Get("force") == "on"})
		if err == nil {
			setFlash(w, r, "State unlocked: recorded as this release.")
			http.Redirect(w, r, "/releases/"+strconv.FormatInt(rel.ID, 10), http.StatusSeeOther)
			return
		}
	default:
		p.fail(w, r, &pageError{Status: http.StatusNotFound, Message: "no environment action " + strconv.Quote(action) + " (pause, resume, unlock)"})
		return
	}
	if err != nil {
		status, msg := p.api.Explain(r, err)
		p.fail(w, r, &pageError{Status: status, Message: action + ": " + msg})
		return
	}
	setFlash(w, r, map[string]string{"pause": "Paused: queued releases wait.", "resume": "Resumed: queued releases run in order."}[action])
	http.Redirect(w, r, "/environments/"+url.PathEscape(name), http.StatusSeeOther)
}
