package cli

import (
	"fmt"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// webhookCmd manages webhook subscriptions (admin scope).
type webhookCmd struct {
	Create     webhookCreateCmd     `cmd:"" help:"Subscribe a URL to release events; prints the signing secret, shown this once."`
	List       webhookListCmd       `cmd:"" help:"List the subscriptions."`
	Delete     webhookDeleteCmd     `cmd:"" help:"Delete a subscription and its deliveries."`
	Rotate     webhookRotateCmd     `cmd:"" help:"Give a subscription a new signing secret (shown once); the old one signs too for 24 hours."`
	Test       webhookTestCmd       `cmd:"" help:"Queue a webhook.test delivery to a subscription."`
	Deliveries webhookDeliveriesCmd `cmd:"" help:"Show a subscription's delivery log, newest first."`
}

type webhookCreateCmd struct {
	apiFlags
	URL         string   `arg:"" help:"Where to POST the events (http or https)."`
	Env         []string `name:"env" sep:"," help:"Only these environments, names or patterns (prod-*); none: every one."`
	Event       []string `name:"event" sep:"," help:"Only these events (release.succeeded, release.failed, ...); none: every one."`
	Format      string   `default:"standard" enum:"standard,slack" help:"standard (the versioned JSON payload) or slack ({\"text\": ...})."`
	Description string   `help:"What it is for."`
}

func (c *webhookCreateCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	w, err := s.c.CreateWebhook(g.Context(), apiwire.WebhookRequest{URL: c.URL, Environments: c.Env, Events: c.Event, Format: c.Format, Description: c.Description})
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(w)
	}
	fmt.Fprintf(s.out, "webhook %d created: %s\nsigning secret (shown this once; verify webhook-signature with it):\n%s\n", w.ID, w.URL, w.Secret)
	return nil
}

type webhookListCmd struct {
	apiFlags
}

func (c *webhookListCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	l, err := s.c.ListWebhooks(g.Context())
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(l)
	}
	tw := s.table("ID", "URL", "ENVIRONMENTS", "EVENTS", "FORMAT", "BY")
	for _, w := range l.Webhooks {
		envs, evs := "all", "all"
		if len(w.Environments) > 0 {
			envs = strings.Join(w.Environments, ",")
		}
		if len(w.Events) > 0 {
			evs = strings.Join(w.Events, ",")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", w.ID, w.URL, envs, evs, w.Format, w.CreatedBy)
	}
	return tw.Flush()
}

type webhookDeleteCmd struct {
	apiFlags
	ID int64 `arg:"" help:"Webhook id."`
}

func (c *webhookDeleteCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	if err := s.c.DeleteWebhook(g.Context(), c.ID); err != nil {
		return err
	}
	if s.json {
		return s.printJSON(map[string]int64{"deleted": c.ID})
	}
	fmt.Fprintf(s.out, "webhook %d deleted\n", c.ID)
	return nil
}

type webhookRotateCmd struct {
	apiFlags
	ID int64 `arg:"" help:"Webhook id."`
}

func (c *webhookRotateCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	w, err := s.c.RotateWebhookSecret(g.Context(), c.ID)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(w)
	}
	fmt.Fprintf(s.out, "webhook %d: new signing secret (shown this once; the old one signs too for 24 hours):\n%s\n", w.ID, w.Secret)
	return nil
}

type webhookTestCmd struct {
	apiFlags
	ID int64 `arg:"" help:"Webhook id."`
}

func (c *webhookTestCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	d, err := s.c.TestWebhook(g.Context(), c.ID)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(d)
	}
	fmt.Fprintf(s.out, "webhook.test queued as delivery %d (message %s); see `shiplog webhook deliveries %d`\n", d.ID, d.MessageID, c.ID)
	return nil
}

type webhookDeliveriesCmd struct {
	apiFlags
	ID    int64 `arg:"" help:"Webhook id."`
	Limit int   `short:"n" default:"20" help:"How many at most."`
}

func (c *webhookDeliveriesCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	l, err := s.c.WebhookDeliveries(g.Context(), c.ID, c.Limit)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(l)
	}
	tw := s.table("ID", "EVENT", "RELEASE", "STATE", "ATTEMPTS", "STATUS", "LATENCY", "CREATED", "ERROR")
	for _, d := range l.Deliveries {
		rel, status, lat := "-", "-", "-"
		if d.ReleaseID != nil {
			rel = fmt.Sprint(*d.ReleaseID)
		}
		if d.LastStatus != nil {
			status = fmt.Sprint(*d.LastStatus)
		}
		if d.LastLatencyMS != nil {
			lat = fmt.Sprintf("%dms", *d.LastLatencyMS)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", d.ID, d.Event, rel, d.State, d.Attempts, status, lat, when(&d.CreatedAt), orDash(d.LastError))
	}
	return tw.Flush()
}
