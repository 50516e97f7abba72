package client

import (
	"context"
	"net/url"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// AuditFilter selects audit events; zero fields do not filter. Kind is an
// act (release.approve) or, ending in a dot, a family (release.).
type AuditFilter struct {
	Actor, Environment, Kind string
	Since, Until             time.Time
	Cursor                   string
	Limit                    int
}

func (f AuditFilter) query() url.Values {
	q := url.Values{}
	setQuery(q, "actor", f.Actor)
	setQuery(q, "environment", f.Environment)
	setQuery(q, "kind", f.Kind)
	if !f.Since.IsZero() {
		q.Set("since", f.Since.Format(time.RFC3339))
	}
	if !f.Until.IsZero() {
		q.Set("until", f.Until.Format(time.RFC3339))
	}
	setQuery(q, "cursor", f.Cursor)
	setLimit(q, f.Limit)
	return q
}

// ListAudit returns one page of the audit log, newest first (admin scope).
func (c *Client) ListAudit(ctx context.Context, f AuditFilter) (*apiwire.AuditList, error) {
	var p apiwire.AuditList
	if err := c.get(ctx, api("audit"), f.query(), &p); err != nil {
		return nil, err
	}
	return &p, nil
}
