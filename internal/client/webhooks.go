package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// CreateWebhook subscribes a URL to release events (admin scope); the
// answer holds the signing secret, shown this once.
func (c *Client) CreateWebhook(ctx context.Context, req apiwire.WebhookRequest) (*apiwire.NewWebhook, error) {
	var out apiwire.NewWebhook
	if err := c.do(ctx, request{method: http.MethodPost, path: api("webhooks"), body: req, out: &out}); err != nil {
		return nil, fmt.Errorf("creating a webhook: %w", err)
	}
	return &out, nil
}

// ListWebhooks lists the subscriptions (admin scope).
func (c *Client) ListWebhooks(ctx context.Context) (*apiwire.WebhookList, error) {
	var out apiwire.WebhookList
	if err := c.get(ctx, api("webhooks"), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteWebhook deletes subscription id (admin scope).
func (c *Client) DeleteWebhook(ctx context.Context, id int64) error {
	if err := c.do(ctx, request{method: http.MethodDelete, path: api("webhooks", strconv.FormatInt(id, 10))}); err != nil {
		return fmt.Errorf("deleting webhook %d: %w", id, err)
	}
	return nil
}

// RotateWebhookSecret gives subscription id a new secret, shown this once.
func (c *Client) RotateWebhookSecret(ctx context.Context, id int64) (*apiwire.NewWebhook, error) {
	var out apiwire.NewWebhook
	if err := c.do(ctx, request{method: http.MethodPost, path: api("webhooks", strconv.FormatInt(id, 10), "rotate-secret"), out: &out}); err != nil {
		return nil, fmt.Errorf("rotating the secret of webhook %d: %w", id, err)
	}
	return &out, nil
}

// TestWebhook queues a webhook.test delivery to subscription id.
func (c *Client) TestWebhook(ctx context.Context, id int64) (*release.WebhookDelivery, error) {
	var out release.WebhookDelivery
	if err := c.do(ctx, request{method: http.MethodPost, path: api("webhooks", strconv.FormatInt(id, 10), "test"), out: &out}); err != nil {
		return nil, fmt.Errorf("testing webhook %d: %w", id, err)
	}
	return &out, nil
}

// WebhookDeliveries lists subscription id's deliveries, newest first.
func (c *Client) WebhookDeliveries(ctx context.Context, id int64, limit int) (*apiwire.DeliveryList, error) {
	q := url.Values{}
	setLimit(q, limit)
	var out apiwire.DeliveryList
	if err := c.get(ctx, api("webhooks", strconv.FormatInt(id, 10), "deliveries"), q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
