package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

var (
	_ datasource.DataSource              = (*releaseDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*releaseDataSource)(nil)
)

// NewReleaseDataSource is shiplog_release.
func NewReleaseDataSource() datasource.DataSource { return &releaseDataSource{} }

type releaseDataSource struct{ dataSourceBase }

type releaseDataSourceModel struct {
	releaseCoreModel
	Phases      []phaseModel    `tfsdk:"phases"`
	Artifacts   []artifactModel `tfsdk:"artifacts"`
	WaitTimeout types.String    `tfsdk:"wait_timeout"`
}

func (d *releaseDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_release"
}

func (d *releaseDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := releaseCoreAttributes()
	attrs["id"] = schema.Int64Attribute{
		MarkdownDescription: "ID of the release to read. Exactly one of `id` and `environment` must be set.",
		Optional:            true,
		Computed:            true,
		Validators: []validator.Int64{
			int64validator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("environment")),
			int64validator.AtLeast(1),
		},
	}
	attrs["environment"] = schema.StringAttribute{
		MarkdownDescription: "Read the newest release of this environment (narrowed by `status`, `template` and " +
			"`deployment_type` when they are set). Exactly one of `id` and `environment` must be set; " +
			"when `id` is, this is the release's environment.",
		Optional:   true,
		Computed:   true,
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attrs["status"] = schema.StringAttribute{
		MarkdownDescription: "The release's status. Set with `environment`, it picks the newest release in this status: one of " +
			backticked(statusStrings()) + ".",
		Optional: true,
		Computed: true,
		Validators: []validator.String{
			stringvalidator.OneOf(statusStrings()...),
			stringvalidator.ConflictsWith(path.MatchRoot("id")),
		},
	}
	attrs["template"] = schema.StringAttribute{
		MarkdownDescription: "Name of the release template that gave the release its phases. Set with `environment`, " +
			"it picks the newest release of this template.",
		Optional: true,
		Computed: true,
		Validators: []validator.String{
			stringvalidator.LengthAtLeast(1),
			stringvalidator.ConflictsWith(path.MatchRoot("id")),
		},
	}
	attrs["deployment_type"] = schema.StringAttribute{
		MarkdownDescription: "Why the release exists: `REGULAR`, `CUSTOM` or `ROLLBACK`. Set with `environment`, it picks " +
			"the newest release of this type.",
		Optional: true,
		Computed: true,
		Validators: []validator.String{
			stringvalidator.OneOf(deploymentTypes...),
			stringvalidator.ConflictsWith(path.MatchRoot("id")),
		},
	}
	attrs["release_type"] = schema.StringAttribute{
		MarkdownDescription: "What the release does: `PLAN`, `APPLY`, `DESTROY` or `SELECTIVE` (an apply of the release's targets only). Set with `environment`, it picks " +
			"the newest release of this type (`APPLY` for the last release that deployed something).",
		Optional: true,
		Computed: true,
		Validators: []validator.String{
			stringvalidator.OneOf(releaseTypes...),
			stringvalidator.ConflictsWith(path.MatchRoot("id")),
		},
	}
	attrs["wait_timeout"] = schema.StringAttribute{
		MarkdownDescription: "When the release found is `QUEUED`, `IN_PROGRESS` or `PENDING_APPROVAL`, wait up to this " +
			"long (a Go duration such as `10m`) for it to finish, and read it then; a release still unfinished after " +
			"that is an error. Unset: read the release as it is.",
		Optional:   true,
		Validators: []validator.String{durationValidator{}},
	}
	attrs["phases"] = phasesAttribute()
	attrs["artifacts"] = artifactsAttribute("The artifacts the release deploys.")
	resp.Schema = schema.Schema{
		MarkdownDescription: "One release: by `id`, or the newest release of an `environment`, optionally narrowed by " +
			"`status`, `template` and `deployment_type`. Carries everything recorded about it: status, timestamps, " +
			"phases, change summary, approval, sign-off, error log and artifacts. A lookup that finds nothing is an error.",
		Attributes: attrs,
	}
}

func (d *releaseDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.configured(&resp.Diagnostics) {
		return
	}
	var cfg releaseDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	var (
		r   *release.Release
		err error
		l   lookup
	)
	if !cfg.ID.IsNull() {
		id := cfg.ID.ValueInt64()
		l = lookup{noun: "release", what: fmt.Sprintf("release %d", id), at: path.Root("id")}
		r, err = d.client.GetRelease(ctx, id)
	} else {
		f := client.ReleaseFilter{
			Environment:    cfg.Environment.ValueString(),
			Template:       cfg.Template.ValueString(),
			DeploymentType: release.DeploymentType(cfg.DeploymentType.ValueString()),
			Type:           release.Type(cfg.ReleaseType.ValueString()),
		}
		if s := cfg.Status.ValueString(); s != "" {
			f.Statuses = []release.Status{release.Status(s)}
		}
		l = lookup{noun: "release", what: "the newest release of " + f.String(), at: path.Root("environment"),
			fields: map[string]path.Path{
				"environment": path.Root("environment"), "status": path.Root("status"),
				"template": path.Root("template"), "deployment_type": path.Root("deployment_type"),
				"release_type": path.Root("release_type"),
			}}
		if err = d.knownEnvironment(ctx, f.Environment); err == nil {
			r, err = d.client.LatestRelease(ctx, f)
		}
	}
	if err != nil {
		d.addReadError(&resp.Diagnostics, l, err)
		return
	}
	if s := cfg.WaitTimeout.ValueString(); s != "" && !r.Status.Terminal() {
		r = d.awaitRelease(ctx, &resp.Diagnostics, r.ID, s)
		if r == nil {
			return
		}
	}

	state := releaseDataSourceModel{
		releaseCoreModel: newReleaseCore(r),
		Phases:           newPhases(r.Phases),
		WaitTimeout:      cfg.WaitTimeout,
	}
	state.Artifacts, err = newArtifacts(r.Artifacts)
	if err != nil {
		resp.Diagnostics.AddError("Cannot encode artifact metadata", fmt.Sprintf("Release %d: %v", r.ID, err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// awaitRelease waits up to timeout (a Go duration) for release id to finish
// and returns it, or adds an error saying where it stood and returns nil.
func (d *releaseDataSource) awaitRelease(ctx context.Context, diags *diag.Diagnostics, id int64, timeout string) *release.Release {
	limit, err := time.ParseDuration(timeout)
	if err != nil {
		diags.AddAttributeError(path.Root("wait_timeout"), "Invalid wait_timeout", err.Error())
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	r, err := d.client.AwaitRelease(wctx, id, awaitInterval, ended)
	if err != nil {
		if wctx.Err() != nil && ctx.Err() == nil {
			diags.AddAttributeError(path.Root("wait_timeout"), "shiplog release did not finish in time",
				fmt.Sprintf("Release %d did not finish within wait_timeout %s: %v.", id, limit, err))
			return nil
		}
		d.addReadError(diags, lookup{noun: "release", what: fmt.Sprintf("release %d", id), at: path.Root("wait_timeout")}, err)
		return nil
	}
	return r
}

// backticked is `a`, `b`, `c`.
func backticked(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += "`" + s + "`"
	}
	return out
}
