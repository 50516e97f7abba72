package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/webhook"
)

// WebhookScope is the scope the webhook routes name: a subscription may
// hear of every environment, so managing them needs the admin role on
// every environment.
const WebhookScope = apiwire.ScopeAdmin

// RotationOverlap is how long a rotated-out signing secret keeps signing.
const RotationOverlap = 24 * time.Hour

// CreateWebhook subscribes req.URL to the events it names and returns the
// subscription with its signing secret (shown this once; stored sealed).
// Forbidden without the admin role on every environment; Invalid naming the field: a URL that is
// not http(s), or reaches a private address the operator did not allow,
// an unknown event or format, a bad environment pattern.
func (s *Service) CreateWebhook(ctx context.Context, c Caller, req apiwire.WebhookRequest) (_ *apiwire.NewWebhook, err error) {
	act := &Act{Kind: "webhook.create", Detail: webhook.Host(req.URL)}
	defer s.audit(ctx, c, act, &err)
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "creating a webhook"); err != nil {
		return nil, err
	}
	if err := webhook.CheckURL(ctx, req.URL, s.webhookAllowPrivate); err != nil {
		return nil, invalid("url", "%s", err.Error())
	}
	for _, e := range req.Events {
		if !slices.Contains(release.WebhookEvents, e) {
			return nil, invalid("events", "%q is not an event (%s)", e, strings.Join(release.WebhookEvents, ", "))
		}
	}
	for i, p := range req.Environments {
		if err := release.ValidatePattern(p); err != nil {
			return nil, invalid("environments", "environments[%d]: %s", i, err.Error())
		}
	}
	switch req.Format {
	case "":
		req.Format = "standard"
	case "standard", "slack":
	default:
		return nil, invalid("format", "format %q is not standard or slack", req.Format)
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return nil, err
	}
	w := &release.Webhook{URL: req.URL, Description: req.Description, Environments: req.Environments, Events: req.Events,
		Format: req.Format, CreatedBy: c.Name}
	if err := s.store.CreateWebhook(ctx, w, secret); err != nil {
		return nil, typed(err)
	}
	act.Detail = fmt.Sprintf("webhook %d: %s", w.ID, webhook.Host(w.URL))
	s.log.Info("webhook created", "webhook", w.ID, "host", webhook.Host(w.URL), "by", c.Name)
	return &apiwire.NewWebhook{Webhook: w, Secret: secret}, nil
}

// ListWebhooks lists the subscriptions (never their secrets). Forbidden
// without the admin role on every environment.
func (s *Service) ListWebhooks(ctx context.Context, c Caller) ([]*release.Webhook, error) {
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "listing webhooks"); err != nil {
		return nil, err
	}
	ws, err := s.store.ListWebhooks(ctx)
	return ws, typed(err)
}

// DeleteWebhook removes subscription id and its deliveries. Forbidden
// without the admin role on every environment; NotFound.
func (s *Service) DeleteWebhook(ctx context.Context, c Caller, id int64) (err error) {
	defer s.audit(ctx, c, &Act{Kind: "webhook.delete", Detail: fmt.Sprintf("webhook %d", id)}, &err)
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "deleting a webhook"); err != nil {
		return err
	}
	return typed(s.store.DeleteWebhook(ctx, id))
}

// RotateWebhookSecret gives subscription id a new signing secret, shown
// this once; the old one keeps signing for RotationOverlap. Forbidden
// without the admin role on every environment; NotFound.
func (s *Service) RotateWebhookSecret(ctx context.Context, c Caller, id int64) (_ *apiwire.NewWebhook, err error) {
	defer s.audit(ctx, c, &Act{Kind: "webhook.rotate", Detail: fmt.Sprintf("webhook %d", id)}, &err)
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "rotating a webhook's secret"); err != nil {
		return nil, err
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return nil, err
	}
	if err := s.store.RotateWebhookSecret(ctx, id, secret, RotationOverlap); err != nil {
		return nil, typed(err)
	}
	w, err := s.store.GetWebhook(ctx, id)
	if err != nil {
		return nil, typed(err)
	}
	return &apiwire.NewWebhook{Webhook: w, Secret: secret}, nil
}

// TestWebhook queues a webhook.test delivery to subscription id.
// Forbidden without the admin role on every environment; NotFound.
func (s *Service) TestWebhook(ctx context.Context, c Caller, id int64) (_ *release.WebhookDelivery, err error) {
	defer s.audit(ctx, c, &Act{Kind: "webhook.test", Detail: fmt.Sprintf("webhook %d", id)}, &err)
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "testing a webhook"); err != nil {
		return nil, err
	}
	d, err := s.store.EnqueueWebhookTest(ctx, id)
	return d, typed(err)
}

// WebhookDeliveries lists subscription id's deliveries, newest first
// (below beforeID when positive). Forbidden without the admin role on every environment;
// NotFound.
func (s *Service) WebhookDeliveries(ctx context.Context, c Caller, id, beforeID int64, limit int) ([]release.WebhookDelivery, error) {
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "reading a webhook's deliveries"); err != nil {
		return nil, err
	}
	if _, err := s.store.GetWebhook(ctx, id); err != nil {
		return nil, typed(err)
	}
	ds, err := s.store.ListWebhookDeliveries(ctx, id, beforeID, limit)
	return ds, typed(err)
}
