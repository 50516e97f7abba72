package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ListStateVersions returns the newest limit (1-500; 0: the server's
// default of 50) state versions shiplog keeps for environment env, newest
// first: metadata only, never a state.
func (c *Client) ListStateVersions(ctx context.Context, env string, limit int) ([]release.StateVersion, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var p apiwire.StateVersionList
	if err := c.get(ctx, api("environments", env, "states"), q, &p); err != nil {
		return nil, err
	}
	return p.States, nil
}
