package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
)

// resourceBase gives every resource the provider's client. Resources write,
// so the provider's token needs the write scope for them.
type resourceBase struct {
	dataSourceBase
}

func (r *resourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return // not configured yet (validation)
	}
	c, ok := req.ProviderData.(*client.Client)
	if !ok {
		resp.Diagnostics.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *client.Client, got %T. Please report this issue to the provider developers.", req.ProviderData))
		return
	}
	r.client = c
}

// configured reports (with a diagnostic) whether the provider was configured.
func (r *resourceBase) configured(diags *diag.Diagnostics) bool {
	return r.dataSourceBase.configured(diags)
}
