package client

import (
	"context"
	"io"
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// PushConfiguration uploads a configuration archive (tar.gz) to an
// environment whose source is upload and returns the blueprint it is
// stored as.
func (c *Client) PushConfiguration(ctx context.Context, env string, archive io.Reader) (*apiwire.Configuration, error) {
	var out apiwire.Configuration
	if err := c.do(ctx, request{method: http.MethodPost, path: api("environments", env, "configurations"), raw: archive, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}
