package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

type homePage struct {
	Pending, Running, Failed []*release.Release
	// Drifted are the environments whose scheduled plans found resources
	// changed outside their releases, by name.
	Drifted []driftRow
	// Troubled are the resources degraded, missing or out of sync, one
	// group per environment.
	Troubled     []troubleGroup
	Environments []envRow
}

// troubleCap is how many troubled resources an environment's group names
// on the first screen; the rest are one link away.
const troubleCap = 3

// troubleGroup is an environment's troubled resources: counts and the
// worst few.
type troubleGroup struct {
	Environment                string
	Count                      int
	Degraded, Missing, Drifted int
	First                      []release.ResourceStatus
}

// More is how many troubled resources the group does not name.
func (g troubleGroup) More() int { return g.Count - len(g.First) }

// driftRow is one environment's drift: how many resources, and the
// newest scheduled plan release that found some, when.
type driftRow struct {
	Environment string
	Resources   int
	ReleaseID   int64
	At          time.Time
}

type envRow struct {
	Env                   *release.Environment
	Last                  *release.Release
	Running               *release.Release
	Healthy, Total, Drift int
}

// phaseOf says where an active release is ("plan 3/4").
func phaseOf(r *release.Release) string {
	for i, ph := range r.Phases {
		if ph.Status == release.PhaseInProgress || ph.Status == release.PhasePendingApproval {
			return ph.Name + " " + itoa(i+1) + "/" + itoa(len(r.Phases))
		}
	}
	return ""
}

func (p *Pages) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var pg homePage
	// a person sees the environments they may view, and their releases
	viewable, err := p.api.Service().ViewableEnvironments(ctx, callerOf(r))
	list := func(f store.ReleaseFilter) []*release.Release {
		if err != nil {
			return nil
		}
		if f.Environment == "" {
			f.Environments = viewable
		}
		var rs []*release.Release
		if rs, err = p.store.ListReleases(ctx, f); err == nil {
			err = p.store.AttachDetails(ctx, rs)
		}
		return rs
	}
	pg.Pending = list(store.ReleaseFilter{Statuses: []release.Status{release.StatusPendingApproval}, Limit: 50})
	pg.Running = list(store.ReleaseFilter{Statuses: []release.Status{release.StatusInProgress}, Limit: 50})
	dayAgo := p.now().Add(-24 * time.Hour)
	pg.Failed = list(store.ReleaseFilter{Statuses: []release.Status{release.StatusFailed, release.StatusTimedOut, release.StatusStopped}, CreatedAfter: &dayAgo, Limit: 50})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	envs, err := p.store.ListEnvironments(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	for _, e := range envs {
		if !callerOf(r).Holds(apiwire.RoleViewer, e.Name) {
			continue
		}
		row := envRow{Env: e}
		if last := list(store.ReleaseFilter{Environment: e.Name, Limit: 1}); len(last) > 0 {
			row.Last = last[0]
		}
		for _, rr := range pg.Running {
			if rr.Environment == e.Name {
				row.Running = rr
			}
		}
		rs, rerr := p.store.ListResourceStatus(ctx, e.Name, "")
		if err == nil {
			err = rerr
		}
		g := troubleGroup{Environment: e.Name}
		d := driftRow{Environment: e.Name}
		for _, res := range rs {
			if res.DriftReleaseID != 0 {
				d.Resources++
				if res.DriftReleaseID > d.ReleaseID {
					d.ReleaseID, d.At = res.DriftReleaseID, *res.DriftedAt
				}
			}
			row.Total++
			if res.HealthStatus == release.Healthy {
				row.Healthy++
			}
			if res.SyncStatus == release.OutOfSync {
				row.Drift++
			}
			if res.HealthStatus == release.Degraded || res.HealthStatus == release.Missing || res.SyncStatus == release.OutOfSync {
				g.Count++
				switch res.HealthStatus {
				case release.Degraded:
					g.Degraded++
				case release.Missing:
					g.Missing++
				}
				if res.SyncStatus == release.OutOfSync {
					g.Drifted++
				}
				g.First = append(g.First, res)
			}
		}
		if d.Resources > 0 {
			pg.Drifted = append(pg.Drifted, d)
		}
		if g.Count > 0 {
			slices.SortFunc(g.First, func(a, b release.ResourceStatus) int { return naturalCompare(a.Address, b.Address) })
			g.First = g.First[:min(len(g.First), troubleCap)]
			pg.Troubled = append(pg.Troubled, g)
		}
		pg.Environments = append(pg.Environments, row)
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "home", view{Title: "Environments", Nav: "env", Data: pg})
}
