package web

import (
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

type resourcePage struct {
	Env     string
	Address string
	Status  *release.ResourceStatus
	Events  []resourceEvent
}

type resourceEvent struct {
	store.ResourceEvent
	View changeView
}

func (p *Pages) resource(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	env, addr := r.PathValue("name"), r.PathValue("address")
	if addr == "" {
		http.Redirect(w, r, "/environments/"+env+"/resources", http.StatusSeeOther)
		return
	}
	if _, err := p.store.GetEnvironment(ctx, env); err != nil {
		p.fail(w, r, err)
		return
	}
	pg := resourcePage{Env: env, Address: addr}
	rs, err := p.store.ListResourceStatus(ctx, env, addr)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if len(rs) > 0 {
		pg.Status = &rs[0]
	}
	evs, err := p.store.ResourceHistory(ctx, env, addr, 100)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	for _, ev := range evs {
		pg.Events = append(pg.Events, resourceEvent{ResourceEvent: ev, View: viewChange(ev.Change)})
	}
	p.render(w, r, http.StatusOK, "resource", view{Title: addr, Nav: "env", Data: pg})
}
