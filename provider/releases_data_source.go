package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
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
	_ datasource.DataSource              = (*releasesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*releasesDataSource)(nil)
)

// NewReleasesDataSource is shiplog_releases.
func NewReleasesDataSource() datasource.DataSource { return &releasesDataSource{} }

type releasesDataSource struct{ dataSourceBase }

type releasesDataSourceModel struct {
	Environment    types.String       `tfsdk:"environment"`
	Status         types.String       `tfsdk:"status"`
	Statuses       []types.String     `tfsdk:"statuses"`
	Template       types.String       `tfsdk:"template"`
	DeploymentType types.String       `tfsdk:"deployment_type"`
	ReleaseType    types.String       `tfsdk:"release_type"`
	TriggeredBy    types.String       `tfsdk:"triggered_by"`
	CreatedAfter   types.String       `tfsdk:"created_after"`
	CreatedBefore  types.String       `tfsdk:"created_before"`
	Limit          types.Int64        `tfsdk:"limit"`
	Releases       []releaseCoreModel `tfsdk:"releases"`
}

// defaultListLimit is how many items a list data source reads by default.
const defaultListLimit = 50

func (d *releasesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_releases"
}

func (d *releasesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Releases, newest first, filtered by environment, statuses, template, release and deployment type, " +
			"who triggered them and when they were created. An unknown environment is an error. " +
			"Items carry a release's status, timestamps and change summary but not its phases or artifacts: read those " +
			"with `shiplog_release`. No match is an empty list, not an error.",
		Attributes: map[string]schema.Attribute{
			"environment": schema.StringAttribute{
				MarkdownDescription: "Only releases of this environment.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Only releases in this status: one of " + backticked(statusStrings()) + ".",
				Optional:            true,
				Validators: []validator.String{
					stringvalidator.OneOf(statusStrings()...),
					stringvalidator.ConflictsWith(path.MatchRoot("statuses")),
				},
			},
			"statuses": schema.SetAttribute{
				MarkdownDescription: "Only releases in any of these statuses (e.g. `[\"FAILED\", \"TIMED_OUT\"]`).",
				ElementType:         types.StringType,
				Optional:            true,
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(stringvalidator.OneOf(statusStrings()...)),
				},
			},
			"release_type": schema.StringAttribute{
				MarkdownDescription: "Only releases of this type: `PLAN`, `APPLY`, `DESTROY` or `SELECTIVE` (an apply of the release's targets only).",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(releaseTypes...)},
			},
			"triggered_by": schema.StringAttribute{
				MarkdownDescription: "Only releases triggered by this token (its name).",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"created_after": schema.StringAttribute{
				MarkdownDescription: "Only releases created at or after this time (RFC 3339, e.g. `timeadd(plantimestamp(), \"-24h\")`, known at plan time; `timestamp()` would defer the read to the apply).",
				Optional:            true,
				Validators:          []validator.String{rfc3339Validator{}},
			},
			"created_before": schema.StringAttribute{
				MarkdownDescription: "Only releases created before this time (RFC 3339).",
				Optional:            true,
				Validators:          []validator.String{rfc3339Validator{}},
			},
			"template": schema.StringAttribute{
				MarkdownDescription: "Only releases of this release template.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"deployment_type": schema.StringAttribute{
				MarkdownDescription: "Only releases of this deployment type: `REGULAR`, `CUSTOM` or `ROLLBACK`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(deploymentTypes...)},
			},
			"limit": schema.Int64Attribute{
				MarkdownDescription: "At most this many releases, from 1 to 500; default 50.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 500)},
			},
			"releases": schema.ListNestedAttribute{
				MarkdownDescription: "The matching releases, newest first.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: releaseCoreAttributes()},
			},
		},
	}
}

func (d *releasesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.configured(&resp.Diagnostics) {
		return
	}
	var cfg releasesDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	f := client.ReleaseFilter{
		Environment:    cfg.Environment.ValueString(),
		Template:       cfg.Template.ValueString(),
		DeploymentType: release.DeploymentType(cfg.DeploymentType.ValueString()),
		Type:           release.Type(cfg.ReleaseType.ValueString()),
		TriggeredBy:    cfg.TriggeredBy.ValueString(),
		Limit:          defaultListLimit,
	}
	if s := cfg.Status.ValueString(); s != "" {
		f.Statuses = []release.Status{release.Status(s)}
	}
	for _, s := range cfg.Statuses {
		f.Statuses = append(f.Statuses, release.Status(s.ValueString()))
	}
	// validated by rfc3339Validator
	if s := cfg.CreatedAfter.ValueString(); s != "" {
		f.CreatedAfter, _ = time.Parse(time.RFC3339, s)
	}
	if s := cfg.CreatedBefore.ValueString(); s != "" {
		f.CreatedBefore, _ = time.Parse(time.RFC3339, s)
	}
	if !cfg.Limit.IsNull() {
		f.Limit = int(cfg.Limit.ValueInt64())
	}
	want := f.Limit
	l := lookup{noun: "releases", what: "releases of " + f.String(), at: path.Root("environment"),
		fields: map[string]path.Path{
			"environment": path.Root("environment"), "status": path.Root("status"), "template": path.Root("template"),
			"deployment_type": path.Root("deployment_type"), "limit": path.Root("limit"),
			"release_type": path.Root("release_type"), "triggered_by": path.Root("triggered_by"),
			"created_after": path.Root("created_after"), "created_before": path.Root("created_before"),
		}}
	if len(cfg.Statuses) > 0 {
		l.fields["status"] = path.Root("statuses")
	}
	if err := d.knownEnvironment(ctx, f.Environment); err != nil {
		d.addReadError(&resp.Diagnostics, l, err)
		return
	}
	if f.Environment == "" {
		l.at = path.Root("limit")
	}

	cfg.Releases = []releaseCoreModel{}
	for len(cfg.Releases) < want {
		f.Limit = want - len(cfg.Releases)
		p, err := d.client.ListReleases(ctx, f)
		if err != nil {
			d.addReadError(&resp.Diagnostics, l, err)
			return
		}
		for i := range p.Releases {
			if len(cfg.Releases) < want {
				cfg.Releases = append(cfg.Releases, newReleaseCore(p.Releases[i]))
			}
		}
		if p.NextCursor == "" || p.NextCursor == f.Cursor || len(p.Releases) == 0 {
			break
		}
		f.Cursor = p.NextCursor
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
