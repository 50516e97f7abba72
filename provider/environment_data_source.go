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
)

var (
	_ datasource.DataSource              = (*environmentDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*environmentDataSource)(nil)
)

// NewEnvironmentDataSource is shiplog_environment.
func NewEnvironmentDataSource() datasource.DataSource { return &environmentDataSource{} }

type environmentDataSource struct{ dataSourceBase }

type environmentModel struct {
	Name               types.String            `tfsdk:"name"`
	Namespace          types.String            `tfsdk:"namespace"`
	SourceDir          types.String            `tfsdk:"source_dir"`
	GitURL             types.String            `tfsdk:"git_url"`
	GitRef             types.String            `tfsdk:"git_ref"`
	DefaultTemplate    types.String            `tfsdk:"default_template"`
	ApprovalRequired   types.Bool              `tfsdk:"approval_required"`
	Upstream           types.String            `tfsdk:"upstream"`
	RequireSignOff     types.Bool              `tfsdk:"require_upstream_signoff"`
	Variables          map[string]string       `tfsdk:"variables"`
	SensitiveVariables []string                `tfsdk:"sensitive_variables"`
	PhaseTimeouts      map[string]string       `tfsdk:"phase_timeouts"`
	CreatedAt          types.String            `tfsdk:"created_at"`
	UpdatedAt          types.String            `tfsdk:"updated_at"`
	LastRelease        *environmentLastModel   `tfsdk:"last_release"`
	Resources          *environmentCountsModel `tfsdk:"resources"`
}

type environmentLastModel struct {
	ID          types.Int64  `tfsdk:"id"`
	Status      types.String `tfsdk:"status"`
	ReleaseType types.String `tfsdk:"release_type"`
	CreatedAt   types.String `tfsdk:"created_at"`
	FinishedAt  types.String `tfsdk:"finished_at"`
}

type environmentCountsModel struct {
	Total    types.Int64      `tfsdk:"total"`
	BySync   map[string]int64 `tfsdk:"by_sync"`
	ByHealth map[string]int64 `tfsdk:"by_health"`
}

func (d *environmentDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_environment"
}

func (d *environmentDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.Attribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One environment: its settings, its newest release and how many of its resources are in " +
			"each sync and health status. An unknown environment is an error.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{MarkdownDescription: "The environment's name.", Required: true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"namespace":        str("The environment's namespace."),
			"source_dir":       str("Directory of its Terraform configuration, when it comes from a directory."),
			"git_url":          str("Git repository of its configuration, when it comes from git."),
			"git_ref":          str("Git ref of its configuration."),
			"default_template": str("The release template used when a release names none."),
			"upstream": schema.StringAttribute{MarkdownDescription: "The environment before this one in its release stream, whose releases are promoted here (`shiplog_release.promote_from`); empty when none.",
				Computed: true},
			"require_upstream_signoff": schema.BoolAttribute{MarkdownDescription: "Whether it takes only what was signed off `APPROVED` upstream.",
				Computed: true},
			"approval_required": schema.BoolAttribute{MarkdownDescription: "Whether its releases wait for approval before applying.",
				Computed: true},
			"variables": schema.MapAttribute{MarkdownDescription: "Its Terraform variables that are not sensitive, by name.",
				ElementType: types.StringType, Computed: true},
			"sensitive_variables": schema.ListAttribute{MarkdownDescription: "Names of its sensitive variables (values are never shown).",
				ElementType: types.StringType, Computed: true},
			"phase_timeouts": schema.MapAttribute{MarkdownDescription: "Phase timeouts by action, as Go durations.",
				ElementType: types.StringType, Computed: true},
			"created_at": str("When it was created (RFC 3339)."),
			"updated_at": str("When its settings last changed (RFC 3339)."),
			"last_release": schema.SingleNestedAttribute{
				MarkdownDescription: "Its newest release, whatever its status; null when it has none.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"id":           schema.Int64Attribute{MarkdownDescription: "The release's ID.", Computed: true},
					"status":       str("Its status."),
					"release_type": str("`PLAN`, `APPLY`, `DESTROY` or `SELECTIVE` (an apply of the release's targets only)."),
					"created_at":   str("When it was queued (RFC 3339)."),
					"finished_at":  str("When it finished (RFC 3339); null until then."),
				},
			},
			"resources": schema.SingleNestedAttribute{
				MarkdownDescription: "Counts of the resources shiplog tracks in the environment.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"total": schema.Int64Attribute{MarkdownDescription: "How many resources.", Computed: true},
					"by_sync": schema.MapAttribute{MarkdownDescription: "How many in each sync status (`IN_SYNC`, `OUT_OF_SYNC`); only statuses that occur.",
						ElementType: types.Int64Type, Computed: true},
					"by_health": schema.MapAttribute{MarkdownDescription: "How many in each health status (`HEALTHY`, `DEGRADED`, ...); only statuses that occur.",
						ElementType: types.Int64Type, Computed: true},
				},
			},
		},
	}
}

func (d *environmentDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.configured(&resp.Diagnostics) {
		return
	}
	var cfg environmentModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := cfg.Name.ValueString()
	l := lookup{noun: "environment", what: fmt.Sprintf("environment %q", name), at: path.Root("name")}
	env, err := d.client.GetEnvironment(ctx, name)
	if err != nil {
		d.addReadError(&resp.Diagnostics, l, err)
		return
	}
	resources, err := d.client.ListResourceStatus(ctx, name, "")
	if err != nil {
		d.addReadError(&resp.Diagnostics, l, err)
		return
	}
	page, err := d.client.ListReleases(ctx, client.ReleaseFilter{Environment: name, Limit: 1})
	if err != nil {
		d.addReadError(&resp.Diagnostics, l, err)
		return
	}

	state := environmentModel{
		Name:               types.StringValue(env.Name),
		Namespace:          types.StringValue(env.Namespace),
		SourceDir:          types.StringValue(env.Source.Dir),
		GitURL:             types.StringValue(env.Source.GitURL),
		GitRef:             types.StringValue(env.Source.GitRef),
		DefaultTemplate:    types.StringValue(env.DefaultTemplate),
		ApprovalRequired:   types.BoolValue(env.ApprovalRequired),
		Upstream:           types.StringValue(env.Upstream),
		RequireSignOff:     types.BoolValue(env.RequireUpstreamSignOff),
		Variables:          map[string]string{},
		SensitiveVariables: []string{},
		PhaseTimeouts:      map[string]string{},
		CreatedAt:          timeValue(&env.CreatedAt),
		UpdatedAt:          timeValue(&env.UpdatedAt),
		Resources: &environmentCountsModel{Total: types.Int64Value(int64(len(resources))),
			BySync: map[string]int64{}, ByHealth: map[string]int64{}},
	}
	for _, v := range env.Variables {
		if v.Sensitive {
			state.SensitiveVariables = append(state.SensitiveVariables, v.Name)
		} else {
			state.Variables[v.Name] = v.Value
		}
	}
	for k, v := range env.PhaseTimeouts {
		state.PhaseTimeouts[k] = v
	}
	for _, r := range resources {
		state.Resources.BySync[string(r.SyncStatus)]++
		state.Resources.ByHealth[string(r.HealthStatus)]++
	}
	if len(page.Releases) > 0 {
		r := page.Releases[0]
		state.LastRelease = &environmentLastModel{ID: types.Int64Value(r.ID), Status: types.StringValue(string(r.Status)),
			ReleaseType: types.StringValue(string(r.Type)), CreatedAt: timeValue(&r.CreatedAt), FinishedAt: timeValue(r.FinishedAt)}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
