package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/boolvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// artifactLookupModel is shiplog_artifact: an artifact and how it was found.
type artifactLookupModel struct {
	artifactModel
	Environment types.String `tfsdk:"environment"`
	Deployed    types.Bool   `tfsdk:"deployed"`
}

// artifactModel is one artifact, in shiplog_artifact and in lists.
type artifactModel struct {
	ID                   types.Int64  `tfsdk:"id"`
	URI                  types.String `tfsdk:"artifact_uri"`
	BuildID              types.String `tfsdk:"build_id"`
	StackName            types.String `tfsdk:"stack_name"`
	AppName              types.String `tfsdk:"app_name"`
	RegistrationMetadata types.String `tfsdk:"registration_metadata"`
	CreatedAt            types.String `tfsdk:"created_at"`
}

func newArtifact(a *release.Artifact) (artifactModel, error) {
	var meta any = a.RegistrationMetadata
	if a.RegistrationMetadata == nil {
		meta = map[string]any{}
	}
	m, err := jsonValue(meta)
	if err != nil {
		return artifactModel{}, fmt.Errorf("artifact %d: registration metadata: %w", a.ID, err)
	}
	return artifactModel{
		ID:                   types.Int64Value(a.ID),
		URI:                  types.StringValue(a.URI),
		BuildID:              types.StringValue(a.BuildID),
		StackName:            types.StringValue(a.StackName),
		AppName:              types.StringValue(a.AppName),
		RegistrationMetadata: m,
		CreatedAt:            timeValue(&a.CreatedAt),
	}, nil
}

func newArtifacts(as []release.Artifact) ([]artifactModel, error) {
	out := make([]artifactModel, len(as))
	for i := range as {
		m, err := newArtifact(&as[i])
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

const registrationMetadataDescription = "Metadata given when the artifact was registered, as a JSON object " +
	"(`{}` when there is none); read it with `jsondecode()`. JSON keeps nested values and numbers as they were."

// artifactAttributes describes artifactModel, every attribute computed.
func artifactAttributes() map[string]schema.Attribute {
	str := func(desc string) schema.Attribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	return map[string]schema.Attribute{
		"id":                    schema.Int64Attribute{MarkdownDescription: "The artifact's ID.", Computed: true},
		"artifact_uri":          str("Where the artifact is, e.g. an image reference or a bucket URL (`artifact_uri` in the API and CLI too)."),
		"build_id":              str("ID of the build that produced the artifact."),
		"stack_name":            str("The stack the artifact belongs to; may be empty."),
		"app_name":              str("The application the artifact belongs to."),
		"registration_metadata": str(registrationMetadataDescription),
		"created_at":            str("When the artifact was registered (RFC 3339)."),
	}
}

func artifactsAttribute(desc string) schema.Attribute {
	return schema.ListNestedAttribute{
		MarkdownDescription: desc,
		Computed:            true,
		NestedObject:        schema.NestedAttributeObject{Attributes: artifactAttributes()},
	}
}

var (
	_ datasource.DataSource              = (*artifactDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*artifactDataSource)(nil)
)

// NewArtifactDataSource is shiplog_artifact.
func NewArtifactDataSource() datasource.DataSource { return &artifactDataSource{} }

type artifactDataSource struct{ dataSourceBase }

func (d *artifactDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_artifact"
}

func (d *artifactDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := artifactAttributes()
	attrs["id"] = schema.Int64Attribute{
		MarkdownDescription: "ID of the artifact to read. Exactly one of `id`, `app_name` and `build_id` must be set.",
		Optional:            true,
		Computed:            true,
		Validators: []validator.Int64{
			int64validator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("app_name"), path.MatchRoot("build_id")),
			int64validator.AtLeast(1),
		},
	}
	attrs["app_name"] = schema.StringAttribute{
		MarkdownDescription: "Read the newest artifact of this application (in `stack_name`, when set). " +
			"Exactly one of `id`, `app_name` and `build_id` must be set.",
		Optional:   true,
		Computed:   true,
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attrs["stack_name"] = schema.StringAttribute{
		MarkdownDescription: "With `app_name`: read the newest artifact of the application in this stack.",
		Optional:            true,
		Computed:            true,
		Validators: []validator.String{
			stringvalidator.LengthAtLeast(1),
			stringvalidator.AlsoRequires(path.MatchRoot("app_name")),
		},
	}
	attrs["build_id"] = schema.StringAttribute{
		MarkdownDescription: "Read the newest artifact of this build. Exactly one of `id`, `app_name` and `build_id` must be set.",
		Optional:            true,
		Computed:            true,
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attrs["environment"] = schema.StringAttribute{
		MarkdownDescription: "With `deployed = true` and `app_name` or `build_id`: only artifacts that went out in a " +
			"`SUCCEEDED` `APPLY` release of this environment. An unknown environment is an error.",
		Optional: true,
		Validators: []validator.String{
			stringvalidator.LengthAtLeast(1),
			stringvalidator.AlsoRequires(path.MatchRoot("deployed")),
			stringvalidator.ConflictsWith(path.MatchRoot("id")),
		},
	}
	attrs["deployed"] = schema.BoolAttribute{
		MarkdownDescription: "Must be `true` when set, with `environment`: read the newest artifact deployed there, " +
			"not merely registered (a release that failed did not deploy its artifacts).",
		Optional:   true,
		Validators: []validator.Bool{boolvalidator.AlsoRequires(path.MatchRoot("environment")), trueValidator{}},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One registered artifact: by `id`, the newest of an application (`app_name`, optionally " +
			"`stack_name`), or the newest of a build (`build_id`); with `environment` and `deployed = true`, the newest " +
			"that went out in a SUCCEEDED apply of that environment. A lookup that finds nothing is an error.",
		Attributes: attrs,
	}
}

func (d *artifactDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.configured(&resp.Diagnostics) {
		return
	}
	var cfg artifactLookupModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var (
		a   *release.Artifact
		err error
		l   = lookup{noun: "artifact"}
	)
	switch {
	case !cfg.ID.IsNull():
		id := cfg.ID.ValueInt64()
		l.what, l.at = fmt.Sprintf("artifact %d", id), path.Root("id")
		a, err = d.client.GetArtifact(ctx, id)
	case !cfg.AppName.IsNull():
		f := client.ArtifactFilter{AppName: cfg.AppName.ValueString(), StackName: cfg.StackName.ValueString(), DeployedTo: cfg.Environment.ValueString()}
		l.what, l.at = "the newest artifact of "+f.String(), path.Root("app_name")
		l.fields = map[string]path.Path{"app_name": path.Root("app_name"), "stack_name": path.Root("stack_name"), "deployed_to": path.Root("environment")}
		a, err = d.client.LatestArtifact(ctx, f.AppName, f.StackName, f.DeployedTo)
	default:
		f := client.ArtifactFilter{BuildID: cfg.BuildID.ValueString(), DeployedTo: cfg.Environment.ValueString()}
		l.what, l.at = "the newest artifact of "+f.String(), path.Root("build_id")
		l.fields = map[string]path.Path{"build_id": path.Root("build_id"), "deployed_to": path.Root("environment")}
		a, err = d.client.FindArtifact(ctx, f)
	}
	if err != nil {
		d.addReadError(&resp.Diagnostics, l, err)
		return
	}
	found, err := newArtifact(a)
	if err != nil {
		resp.Diagnostics.AddError("Cannot encode artifact metadata", err.Error())
		return
	}
	state := artifactLookupModel{artifactModel: found, Environment: cfg.Environment, Deployed: cfg.Deployed}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
