package client

import (
	"context"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ApplySavedPlan queues a release that applies exactly the plan that PLAN
// release planID saved, and returns it (its applies_plan_of is planID). A
// plan release that did not succeed, is too old, or whose environment's
// state moved since is refused with a conflict saying which.
func (c *Client) ApplySavedPlan(ctx context.Context, planID int64) (*release.Release, error) {
	return c.action(ctx, planID, "apply-plan", struct{}{})
}
