package client

import (
	"context"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ApplySavedPlan queues a release that applies exactly the plan that PLAN
// release planID saved, and returns it (its applies_plan_of is planID). A
// plan release that did not succeed, is too old, or whose environment's
// state moved since is refused with a conflict saying which.
func (c *Client) ApplySavedPlan(ctx context.Context, planID int64) (*release.Release, error) {
	return c.action(ctx, planID, "apply-plan", struct{}{})
}

// Promote queues a release of the environment downstream of release id's
// (req.Environment, or the only one) that runs exactly what id ran, and
// returns it (its promoted_from is id). A release that did not succeed, or
// is not signed off where the environment requires it, is refused with a
// conflict saying which release to sign off.
func (c *Client) Promote(ctx context.Context, id int64, req apiwire.PromoteRequest) (*release.Release, error) {
	return c.action(ctx, id, "promote", req)
}
