package client

import (
	"context"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// ListTemplates returns the release templates the server knows.
func (c *Client) ListTemplates(ctx context.Context) ([]apiwire.TemplateInfo, error) {
	var l apiwire.TemplateList
	if err := c.get(ctx, api("templates"), nil, &l); err != nil {
		return nil, err
	}
	return l.Templates, nil
}

// GetTemplate returns one release template ("" namespace: default).
func (c *Client) GetTemplate(ctx context.Context, namespace, name string) (*apiwire.TemplateInfo, error) {
	if namespace == "" {
		namespace = "default"
	}
	var t apiwire.TemplateInfo
	if err := c.get(ctx, api("templates", namespace, name), nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
