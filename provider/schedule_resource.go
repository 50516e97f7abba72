package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

var (
	_ resource.Resource                = (*scheduleResource)(nil)
	_ resource.ResourceWithConfigure   = (*scheduleResource)(nil)
	_ resource.ResourceWithImportState = (*scheduleResource)(nil)
)

// NewScheduleResource is the shiplog_schedule resource.
func NewScheduleResource() resource.Resource { return &scheduleResource{} }

type scheduleResource struct{ resourceBase }

type scheduleModel struct {
	ID          types.Int64  `tfsdk:"id"`
	Environment types.String `tfsdk:"environment"`
	Name        types.String `tfsdk:"name"`
	Cron        types.String `tfsdk:"cron"`
	TimeZone    types.String `tfsdk:"time_zone"`
	Template    types.String `tfsdk:"template"`
	Enabled     types.Bool   `tfsdk:"enabled"`
	NextAt      types.String `tfsdk:"next_at"`
	CreatedBy   types.String `tfsdk:"created_by"`
}

func newSchedule(sc *release.Schedule) scheduleModel {
	next := types.StringNull()
	if sc.Enabled {
		next = types.StringValue(sc.NextAt.UTC().Format(time.RFC3339))
	}
	return scheduleModel{ID: types.Int64Value(sc.ID), Environment: types.StringValue(sc.Environment), Name: types.StringValue(sc.Name),
		Cron: types.StringValue(sc.Cron), TimeZone: types.StringValue(sc.TimeZone), Template: types.StringValue(sc.Template),
		Enabled: types.BoolValue(sc.Enabled), NextAt: next, CreatedBy: types.StringValue(sc.CreatedBy)}
}

func (r *scheduleResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_schedule"
}

func (r *scheduleResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	nonEmpty := []validator.String{stringvalidator.LengthAtLeast(1)}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A cron schedule that queues a release of an environment with a template at each tick, e.g. a nightly " +
			"`full-plan` that records drift (shown on the home page, in the resource status and as `release.drift_detected`). " +
			"Ticks missed while no shiplog server ran are run once; a tick whose previous release is still queued queues nothing. " +
			"Changing anything but `enabled` replaces the schedule. Needs a token with the `write` scope (deployer on the environment). " +
			"Import with `<environment>/<id>`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.Int64Attribute{MarkdownDescription: "The schedule's ID.", Computed: true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
			"environment": schema.StringAttribute{MarkdownDescription: "The environment whose releases it queues.", Required: true,
				PlanModifiers: replace, Validators: nonEmpty},
			"name": schema.StringAttribute{MarkdownDescription: "Unique in the environment: 1 to 63 lower-case letters, digits, `-`, `_` or `.`.",
				Required: true, PlanModifiers: replace, Validators: nonEmpty},
			"cron": schema.StringAttribute{MarkdownDescription: "Five fields (minute hour day-of-month month day-of-week, `0 3 * * *`) or " +
				"`@daily`, `@hourly`, `@weekly`, `@monthly`, `@yearly`, `@every 6h`.", Required: true, PlanModifiers: replace, Validators: nonEmpty},
			"time_zone": schema.StringAttribute{MarkdownDescription: "The IANA time zone `cron` is read in (`Europe/Berlin`); `UTC` by default.",
				Optional: true, Computed: true, Default: stringdefault.StaticString("UTC"), PlanModifiers: replace, Validators: nonEmpty},
			"template": schema.StringAttribute{MarkdownDescription: "The release template each tick queues; `full-plan` (plan only, records drift) by default.",
				Optional: true, Computed: true, Default: stringdefault.StaticString("full-plan"), PlanModifiers: replace, Validators: nonEmpty},
			"enabled": schema.BoolAttribute{MarkdownDescription: "Whether it fires; `true` by default. Enabling makes it due at its first tick from then.",
				Optional: true, Computed: true, Default: booldefault.StaticBool(true)},
			"next_at": schema.StringAttribute{MarkdownDescription: "When it fires next (RFC 3339, UTC); null while disabled.", Computed: true},
			"created_by": schema.StringAttribute{MarkdownDescription: "Who created it.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		},
	}
}

// fields maps the API's invalid fields to the attributes that carry them.
var scheduleFields = map[string]path.Path{"name": path.Root("name"), "cron": path.Root("cron"), "time_zone": path.Root("time_zone"),
	"template": path.Root("template"), "environment": path.Root("environment")}

func (r *scheduleResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.configured(&resp.Diagnostics) {
		return
	}
	var plan scheduleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	enabled := plan.Enabled.ValueBool()
	env := plan.Environment.ValueString()
	sc, err := r.client.CreateSchedule(ctx, env, apiwire.ScheduleRequest{Name: plan.Name.ValueString(), Cron: plan.Cron.ValueString(),
		TimeZone: plan.TimeZone.ValueString(), Template: plan.Template.ValueString(), Enabled: &enabled})
	if err != nil {
		r.addReadError(&resp.Diagnostics, lookup{noun: "environment", what: fmt.Sprintf("environment %q for schedule %q", env, plan.Name.ValueString()),
			at: path.Root("environment"), fields: scheduleFields, scope: apiwire.ScopeWrite}, err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, newSchedule(sc))...)
}

func (r *scheduleResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !r.configured(&resp.Diagnostics) {
		return
	}
	var prior scheduleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	sc, err := r.client.GetSchedule(ctx, prior.Environment.ValueString(), prior.ID.ValueInt64())
	if client.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		r.addReadError(&resp.Diagnostics, prior.lookup(path.Root("id"), ""), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, newSchedule(sc))...)
}

// Update enables or disables the schedule (every other change replaces it).
func (r *scheduleResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if !r.configured(&resp.Diagnostics) {
		return
	}
	var plan, prior scheduleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	sc, err := r.client.SetScheduleEnabled(ctx, prior.Environment.ValueString(), prior.ID.ValueInt64(), plan.Enabled.ValueBool())
	if err != nil {
		r.addReadError(&resp.Diagnostics, prior.lookup(path.Root("enabled"), apiwire.ScopeWrite), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, newSchedule(sc))...)
}

// lookup names the stored schedule m for an error of reading or changing
// it (at: the attribute it concerns; scope: what the change needs, empty
// for a read).
func (m scheduleModel) lookup(at path.Path, scope apiwire.Scope) lookup {
	return lookup{noun: "schedule", what: fmt.Sprintf("schedule %d of %q", m.ID.ValueInt64(), m.Environment.ValueString()), at: at, scope: scope}
}

// Delete deletes the schedule; the releases it queued stay.
func (r *scheduleResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !r.configured(&resp.Diagnostics) {
		return
	}
	var prior scheduleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteSchedule(ctx, prior.Environment.ValueString(), prior.ID.ValueInt64())
	if err != nil && !client.IsNotFound(err) {
		r.addReadError(&resp.Diagnostics, prior.lookup(path.Root("id"), apiwire.ScopeWrite), err)
	}
}

// ImportState takes a schedule by `<environment>/<id>` (`terraform import
// shiplog_schedule.nightly prod/3`); Read fills in the rest.
func (r *scheduleResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	env, raw, ok := strings.Cut(strings.TrimSpace(req.ID), "/")
	id, err := strconv.ParseInt(raw, 10, 64)
	if !ok || env == "" || err != nil || id <= 0 {
		resp.Diagnostics.AddError("Invalid shiplog schedule ID",
			fmt.Sprintf("%q is not <environment>/<id>: import a schedule such as terraform import shiplog_schedule.nightly prod/3 (shiplog schedule list --env prod).", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("environment"), env)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}
