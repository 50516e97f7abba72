package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
)

var (
	_ datasource.DataSource              = (*artifactsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*artifactsDataSource)(nil)
)

// NewArtifactsDataSource is shiplog_artifacts.
func NewArtifactsDataSource() datasource.DataSource { return &artifactsDataSource{} }

type artifactsDataSource struct{ dataSourceBase }

type artifactsDataSourceModel struct {
	AppName   types.String    `tfsdk:"app_name"`
	StackName types.String    `tfsdk:"stack_name"`
	BuildID   types.String    `tfsdk:"build_id"`
	Limit     types.Int64     `tfsdk:"limit"`
	Artifacts []artifactModel `tfsdk:"artifacts"`
}

func (d *artifactsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_artifacts"
}

func (d *artifactsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Registered artifacts, newest first, filtered by application, stack and build. " +
			"No match is an empty list, not an error.",
		Attributes: map[string]schema.Attribute{
			"app_name": schema.StringAttribute{
				MarkdownDescription: "Only artifacts of this application.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"stack_name": schema.StringAttribute{
				MarkdownDescription: "Only artifacts of this stack.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"build_id": schema.StringAttribute{
				MarkdownDescription: "Only artifacts of this build.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"limit": schema.Int64Attribute{
				MarkdownDescription: "At most this many artifacts, from 1 to 500; default 50.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 500)},
			},
			"artifacts": artifactsAttribute("The matching artifacts, newest first."),
		},
	}
}

func (d *artifactsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.configured(&resp.Diagnostics) {
		return
	}
	var cfg artifactsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	f := client.ArtifactFilter{
		AppName:   cfg.AppName.ValueString(),
		StackName: cfg.StackName.ValueString(),
		BuildID:   cfg.BuildID.ValueString(),
	}
	want := defaultListLimit
	if !cfg.Limit.IsNull() {
		want = int(cfg.Limit.ValueInt64())
	}
	l := lookup{noun: "artifacts", what: "artifacts of " + f.String(), at: path.Root("limit"),
		fields: map[string]path.Path{
			"app_name": path.Root("app_name"), "stack_name": path.Root("stack_name"),
			"build_id": path.Root("build_id"), "limit": path.Root("limit"),
		}}
	cfg.Artifacts = []artifactModel{}
	for len(cfg.Artifacts) < want {
		f.Limit = want - len(cfg.Artifacts)
		p, err := d.client.ListArtifacts(ctx, f)
		if err != nil {
			d.addReadError(&resp.Diagnostics, l, err)
			return
		}
		for i := range p.Artifacts {
			if len(cfg.Artifacts) == want {
				break
			}
			m, err := newArtifact(&p.Artifacts[i])
			if err != nil {
				resp.Diagnostics.AddError("Cannot encode artifact metadata", err.Error())
				return
			}
			cfg.Artifacts = append(cfg.Artifacts, m)
		}
		if p.NextCursor == "" || p.NextCursor == f.Cursor || len(p.Artifacts) == 0 {
			break
		}
		f.Cursor = p.NextCursor
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
