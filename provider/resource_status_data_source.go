package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

var (
	_ datasource.DataSource              = (*resourceStatusDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*resourceStatusDataSource)(nil)
)

// NewResourceStatusDataSource is shiplog_resource_status.
func NewResourceStatusDataSource() datasource.DataSource { return &resourceStatusDataSource{} }

type resourceStatusDataSource struct{ dataSourceBase }

// resourceStatusFields is one resource's status.
type resourceStatusFields struct {
	CurrentBlueprintVersion types.String `tfsdk:"current_blueprint_version"`
	LiveBlueprintVersion    types.String `tfsdk:"live_blueprint_version"`
	CurrentArtifactURL      types.String `tfsdk:"current_artifact_url"`
	LiveArtifactURL         types.String `tfsdk:"live_artifact_url"`
	SyncStatus              types.String `tfsdk:"sync_status"`
	ReleaseStatus           types.String `tfsdk:"release_status"`
	HealthStatus            types.String `tfsdk:"health_status"`
	LastReleaseID           types.Int64  `tfsdk:"last_release_id"`
	UpdatedAt               types.String `tfsdk:"updated_at"`
}

type resourceStatusModel struct {
	Address types.String `tfsdk:"address"`
	resourceStatusFields
}

type resourceStatusDataSourceModel struct {
	Environment types.String `tfsdk:"environment"`
	Address     types.String `tfsdk:"address"`
	resourceStatusFields
	Resources []resourceStatusModel `tfsdk:"resources"`
}

func nullResourceStatusFields() resourceStatusFields {
	return resourceStatusFields{
		CurrentBlueprintVersion: types.StringNull(), LiveBlueprintVersion: types.StringNull(),
		CurrentArtifactURL: types.StringNull(), LiveArtifactURL: types.StringNull(),
		SyncStatus: types.StringNull(), ReleaseStatus: types.StringNull(), HealthStatus: types.StringNull(),
		LastReleaseID: types.Int64Null(), UpdatedAt: types.StringNull(),
	}
}

func newResourceStatusFields(r *release.ResourceStatus) resourceStatusFields {
	last := types.Int64Null()
	if r.LastReleaseID != 0 {
		last = types.Int64Value(r.LastReleaseID)
	}
	return resourceStatusFields{
		CurrentBlueprintVersion: types.StringValue(r.CurrentBlueprintVersion),
		LiveBlueprintVersion:    types.StringValue(r.LiveBlueprintVersion),
		CurrentArtifactURL:      types.StringValue(r.CurrentArtifactURL),
		LiveArtifactURL:         types.StringValue(r.LiveArtifactURL),
		SyncStatus:              types.StringValue(string(r.SyncStatus)),
		ReleaseStatus:           types.StringValue(string(r.ReleaseStatus)),
		HealthStatus:            types.StringValue(string(r.HealthStatus)),
		LastReleaseID:           last,
		UpdatedAt:               timeValue(&r.UpdatedAt),
	}
}

func (d *resourceStatusDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_resource_status"
}

func resourceStatusAttributes(single bool) map[string]schema.Attribute {
	suffix := ""
	if single {
		suffix = " Null unless `address` is set."
	}
	str := func(desc string) schema.Attribute {
		return schema.StringAttribute{MarkdownDescription: desc + suffix, Computed: true}
	}
	return map[string]schema.Attribute{
		"current_blueprint_version": str("Blueprint version the last release of the resource wanted."),
		"live_blueprint_version":    str("Blueprint version that is actually out there."),
		"current_artifact_url":      str("Artifact URL the last release of the resource wanted."),
		"live_artifact_url":         str("Artifact URL that is actually out there."),
		"sync_status":               str("`IN_SYNC` when current and live agree, `OUT_OF_SYNC` otherwise."),
		"release_status":            str("State of the last release that touched the resource: `QUEUED`, `IN_PROGRESS`, `COMPLETED` or `FAILED`."),
		"health_status":             str("Last reported health: `HEALTHY`, `PROGRESSING`, `DEGRADED`, `SUSPENDED`, `MISSING` or `UNKNOWN`."),
		"last_release_id": schema.Int64Attribute{
			MarkdownDescription: "ID of the last release that touched the resource." + suffix,
			Computed:            true,
		},
		"updated_at": str("When the status last changed (RFC 3339)."),
	}
}

func (d *resourceStatusDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := resourceStatusAttributes(true)
	attrs["environment"] = schema.StringAttribute{
		MarkdownDescription: "The environment whose resources to read.",
		Required:            true,
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attrs["address"] = schema.StringAttribute{
		MarkdownDescription: "Address of one resource, e.g. `aws_instance.web`: then the top-level attributes " +
			"carry its status, and it is an error if shiplog has no status for it. Unset: every resource of the environment, in `resources`.",
		Optional:   true,
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	item := resourceStatusAttributes(false)
	item["address"] = schema.StringAttribute{MarkdownDescription: "The resource's address.", Computed: true}
	attrs["resources"] = schema.ListNestedAttribute{
		MarkdownDescription: "Status of each resource (just the one when `address` is set), ordered by address.",
		Computed:            true,
		NestedObject:        schema.NestedAttributeObject{Attributes: item},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Where the resources of an environment stand: what their last release wanted against what " +
			"is live (blueprint version and artifact URL), whether the two are in sync, the last release's state, and the " +
			"last reported health. Read one resource with `address`, or all of them.",
		Attributes: attrs,
	}
}

func (d *resourceStatusDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.configured(&resp.Diagnostics) {
		return
	}
	var cfg resourceStatusDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	env, addr := cfg.Environment.ValueString(), cfg.Address.ValueString()
	l := lookup{noun: "resource status", what: fmt.Sprintf("the resources of environment %q", env), at: path.Root("environment"),
		fields: map[string]path.Path{"environment": path.Root("environment"), "address": path.Root("address")}}
	if addr != "" {
		l.what, l.at = fmt.Sprintf("resource %q of environment %q", addr, env), path.Root("address")
	}
	rs, err := d.client.ListResourceStatus(ctx, env, addr)
	if err != nil {
		if client.IsNotFound(err) && addr != "" {
			// Most likely the environment: say so on its attribute.
			l.at = path.Root("environment")
		}
		d.addReadError(&resp.Diagnostics, l, err)
		return
	}
	cfg.resourceStatusFields = nullResourceStatusFields()
	cfg.Resources = make([]resourceStatusModel, 0, len(rs))
	for i := range rs {
		if addr != "" && rs[i].Address != addr {
			continue
		}
		cfg.Resources = append(cfg.Resources, resourceStatusModel{
			Address:              types.StringValue(rs[i].Address),
			resourceStatusFields: newResourceStatusFields(&rs[i]),
		})
	}
	if addr != "" {
		if len(cfg.Resources) == 0 {
			resp.Diagnostics.AddAttributeError(path.Root("address"), "shiplog resource status not found",
				fmt.Sprintf("Looked for resource %q of environment %q on %s and found nothing: no release of the environment has touched it.",
					addr, env, d.client.Endpoint()))
			return
		}
		cfg.resourceStatusFields = cfg.Resources[0].resourceStatusFields
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
