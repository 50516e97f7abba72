package client

import (
	"context"
	"encoding/json"
	"net/url"
)

// This file holds what the shiplog command line needs beyond the typed
// calls of the other files.

// Raw GETs an API path (under /api/v1, parts escaped) and returns the JSON
// answer as the server sent it: for printing exactly what the API says.
func (c *Client) Raw(ctx context.Context, q url.Values, parts ...string) (json.RawMessage, error) {
	var out json.RawMessage
	if err := c.get(ctx, api(parts...), q, &out); err != nil {
		return nil, err
	}
	return out, nil
}
