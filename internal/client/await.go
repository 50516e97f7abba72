package client

import (
	"context"
	"fmt"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// AwaitRelease reads release id every interval (at least 50 ms) until done
// reports true for its status, and returns it. A request that fails without
// an answer (the server restarting) is tried again at the next interval; an
// API error (not found, refused token) ends the wait. When ctx ends first it
// returns the last release seen (nil if none) with an error wrapping
// ctx.Err().
func (c *Client) AwaitRelease(ctx context.Context, id int64, interval time.Duration, done func(release.Status) bool) (*release.Release, error) {
	interval = max(interval, 50*time.Millisecond)
	var last *release.Release
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			status := "not seen"
			if last != nil {
				status = string(last.Status)
			}
			return last, fmt.Errorf("waiting for release %d (last seen %s): %w", id, status, context.Cause(ctx))
		case <-t.C:
		}
		r, err := c.GetRelease(ctx, id)
		if err != nil {
			if _, ok := AsError(err); ok {
				return last, err
			}
		} else {
			last = r
			if done(r.Status) {
				return r, nil
			}
		}
		t.Reset(interval)
	}
}
