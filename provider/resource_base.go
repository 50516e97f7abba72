package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// resourceBase gives every resource the provider's client. Resources write,
// so the provider's token needs the write scope for them.
type resourceBase struct {
	dataSourceBase
}

func (r *resourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.take(req.ProviderData, &resp.Diagnostics)
}
