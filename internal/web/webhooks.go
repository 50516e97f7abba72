package web

import (
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// webhooksPage is GET /webhooks (admin scope): the subscriptions, each
// with its latest deliveries (state, attempts, status code, latency,
// last error).
type webhooksPage struct {
	Hooks []webhookRow
}

type webhookRow struct {
	*release.Webhook
	Deliveries []release.WebhookDelivery
}

// deliveriesShown is how many of each subscription's deliveries the page
// lists (the API pages through all of them).
const deliveriesShown = 20

func (p *Pages) webhooks(w http.ResponseWriter, r *http.Request) {
	svc, c := p.api.Service(), callerOf(r)
	hooks, err := svc.ListWebhooks(r.Context(), c)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var pg webhooksPage
	for _, h := range hooks {
		ds, err := svc.WebhookDeliveries(r.Context(), c, h.ID, 0, deliveriesShown)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		pg.Hooks = append(pg.Hooks, webhookRow{Webhook: h, Deliveries: ds})
	}
	p.render(w, r, http.StatusOK, "webhooks", view{Title: "Webhooks", Nav: "webhooks", Data: pg})
}
