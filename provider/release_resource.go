package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

var (
	_ resource.Resource                = (*releaseResource)(nil)
	_ resource.ResourceWithConfigure   = (*releaseResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*releaseResource)(nil)
	_ resource.ResourceWithImportState = (*releaseResource)(nil)
)

// NewReleaseResource is the shiplog_release resource.
func NewReleaseResource() resource.Resource { return &releaseResource{} }

type releaseResource struct{ resourceBase }

// defaultReleaseTimeout bounds the wait for a release without timeouts.create.
const defaultReleaseTimeout = 30 * time.Minute

// abortWait bounds the wait for an aborted running release to end (its
// worker interrupts terraform, then kills it after its grace period).
const abortWait = time.Minute

type releaseResourceModel struct {
	ID                 types.Int64             `tfsdk:"id"`
	Environment        types.String            `tfsdk:"environment"`
	Template           types.String            `tfsdk:"template"`
	Targets            []types.String          `tfsdk:"targets"`
	Variables          map[string]types.String `tfsdk:"variables"`
	SensitiveVariables map[string]types.String `tfsdk:"sensitive_variables"`
	Artifacts          []types.Int64           `tfsdk:"artifacts"`
	DeploymentType     types.String            `tfsdk:"deployment_type"`
	Triggers           map[string]types.String `tfsdk:"triggers"`
	WaitForCompletion  types.Bool              `tfsdk:"wait_for_completion"`
	AbortOnTimeout     types.Bool              `tfsdk:"abort_on_timeout"`
	DestroyTemplate    types.String            `tfsdk:"destroy_template"`
	PromoteFrom        types.Int64             `tfsdk:"promote_from"`
	Timeouts           timeouts.Value          `tfsdk:"timeouts"`
	URL                types.String            `tfsdk:"url"`
	Status             types.String            `tfsdk:"status"`
	ReleaseType        types.String            `tfsdk:"release_type"`
	ErrorLog           types.String            `tfsdk:"error_log"`
	CreatedAt          types.String            `tfsdk:"created_at"`
	FinishedAt         types.String            `tfsdk:"finished_at"`
}

func (r *releaseResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_release"
}

func (r *releaseResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	computedStr := func(desc string) schema.Attribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Triggers a release of an environment (as `tfe_workspace_run` does for a workspace) and, by " +
			"default, waits for it to finish: a release that does not succeed fails the apply with its status and error " +
			"log (the resource is then tainted, so the next apply releases again). A release waiting for approval is " +
			"waited for until someone approves or rejects it, or `timeouts.create` runs out. The environment is checked " +
			"at plan time. Any change of the inputs (or of `triggers`) queues a new release. Releases are history: " +
			"destroying the resource only removes it from the state, unless `destroy_template` names a template to " +
			"release on destroy. Needs a token with the `write` scope.\n\n" +
			"While it waits, the provider logs the release's ID, page and each status it reaches (`TF_LOG=INFO`); the ID " +
			"and `url` are in the state from the moment the release is queued, and every diagnostic names both.\n\n" +
			"**When the wait ends first** (`timeouts.create`, or Ctrl-C): with `abort_on_timeout = true` a timed-out " +
			"release is aborted and the apply fails. Otherwise the release goes on in shiplog and the apply ends with a " +
			"warning, keeping the release in the state as last seen; the next plan reads it back: SUCCEEDED means " +
			"nothing to do, still running means the next apply waits for it again (an update of `status`), and any " +
			"other ending means a new release. Import an existing release with `terraform import shiplog_release.x ID`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.Int64Attribute{MarkdownDescription: "The release's ID.", Computed: true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
			"environment": schema.StringAttribute{MarkdownDescription: "The environment to release.", Required: true,
				PlanModifiers: replace, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"template": schema.StringAttribute{
				MarkdownDescription: "Release template, `name` or `namespace/name` (default: the environment's).",
				Optional:            true, Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)}},
			"targets": schema.ListAttribute{MarkdownDescription: "Resource addresses to target.", ElementType: types.StringType,
				Optional: true, PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()}},
			"variables": schema.MapAttribute{MarkdownDescription: "Terraform variables of the release, by name.",
				ElementType: types.StringType, Optional: true, PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()}},
			"sensitive_variables": schema.MapAttribute{
				MarkdownDescription: "Sensitive Terraform variables: sealed by the server and never shown by shiplog " +
					"(Terraform keeps them in this state, marked sensitive).",
				ElementType: types.StringType, Optional: true, Sensitive: true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()}},
			"artifacts": schema.ListAttribute{MarkdownDescription: "IDs of registered artifacts to deploy (`shiplog_artifact.x.id`).",
				ElementType: types.Int64Type, Optional: true, PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()}},
			"deployment_type": schema.StringAttribute{MarkdownDescription: "`REGULAR` (default) or `CUSTOM`.",
				Optional: true, Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
				Validators:    []validator.String{stringvalidator.OneOf(string(release.DeploymentRegular), string(release.DeploymentCustom))}},
			"triggers": schema.MapAttribute{MarkdownDescription: "Arbitrary values: any change queues a new release " +
				"(e.g. `{ image = shiplog_artifact.web.artifact_uri }`).",
				ElementType: types.StringType, Optional: true, PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()}},
			"wait_for_completion": schema.BoolAttribute{
				MarkdownDescription: "Wait for the release to finish (default `true`), up to `timeouts.create` (default 30m). " +
					"`false`: the apply ends once the release is queued.",
				Optional: true, Computed: true, Default: booldefault.StaticBool(true)},
			"abort_on_timeout": schema.BoolAttribute{
				MarkdownDescription: "Abort the release when `timeouts.create` (or `timeouts.update`, waiting again) runs out, " +
					"and fail the apply. Default `false`: the release goes on and the apply ends with a warning (see above).",
				Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
			"destroy_template": schema.StringAttribute{
				MarkdownDescription: "A template to release when the resource is destroyed, such as `terraform-destroy`: " +
					"`terraform destroy` then queues a release of the environment with it (the same variables and targets), " +
					"waits for it up to `timeouts.delete` (default 30m) and fails when it does not succeed. Unset (default): " +
					"destroying only removes the release from the state.",
				Optional: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"promote_from": schema.Int64Attribute{
				MarkdownDescription: "Promote this upstream release instead of releasing the environment's own configuration: " +
					"the new release runs exactly its blueprint version, artifacts and variables (`promoted_from`). The " +
					"environment's upstream must be that release's environment; an environment with " +
					"`require_upstream_signoff` refuses a release not signed off `APPROVED`, and the error names it. " +
					"Cannot be combined with `targets`, `variables`, `sensitive_variables` or `artifacts`.",
				Optional: true, PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
				Validators: []validator.Int64{int64validator.AtLeast(1), int64validator.ConflictsWith(
					path.MatchRoot("targets"), path.MatchRoot("variables"), path.MatchRoot("sensitive_variables"), path.MatchRoot("artifacts"))}},
			"url":          computedStr("The release's page in shiplog's web UI (`<endpoint>/releases/<id>`)."),
			"timeouts":     timeouts.Attributes(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
			"status":       computedStr("The release's status when the apply ended (refreshed on every read)."),
			"release_type": computedStr("`PLAN`, `APPLY`, `DESTROY` or `SELECTIVE` (an apply of the release's targets only), from the template's phases."),
			"error_log":    computedStr("Why the release failed; empty when it did not."),
			"created_at":   computedStr("When the release was queued (RFC 3339)."),
			"finished_at":  computedStr("When the release finished (RFC 3339); null until then."),
		},
	}
}

// request is the API request the plan asks for.
func (m *releaseResourceModel) request() apiwire.CreateReleaseRequest {
	req := apiwire.CreateReleaseRequest{Environment: m.Environment.ValueString(), Template: m.Template.ValueString(),
		DeploymentType: release.DeploymentType(m.DeploymentType.ValueString())}
	for _, t := range m.Targets {
		req.Targets = append(req.Targets, t.ValueString())
	}
	for _, id := range m.Artifacts {
		req.Artifacts = append(req.Artifacts, apiwire.ArtifactRef{ID: id.ValueInt64()})
	}
	for _, vs := range []struct {
		m         map[string]types.String
		sensitive bool
	}{{m.Variables, false}, {m.SensitiveVariables, true}} {
		for name, v := range vs.m {
			req.Variables = append(req.Variables, release.Variable{Name: name, Value: v.ValueString(), Sensitive: vs.sensitive})
		}
	}
	return req
}

// observe copies what the server says about rel into the model; page is
// its page's URL.
func (m *releaseResourceModel) observe(rel *release.Release, page string) {
	m.ID = types.Int64Value(rel.ID)
	m.Environment = types.StringValue(rel.Environment)
	m.Template = types.StringValue(rel.Template)
	m.DeploymentType = types.StringValue(string(rel.DeploymentType))
	m.Status = types.StringValue(string(rel.Status))
	m.ReleaseType = types.StringValue(string(rel.Type))
	m.ErrorLog = types.StringValue(rel.ErrorLog)
	m.CreatedAt = timeValue(&rel.CreatedAt)
	m.FinishedAt = timeValue(rel.FinishedAt)
	m.URL = types.StringValue(page)
}

// page is the URL of release id's page in shiplog's web UI.
func (r *releaseResource) page(id int64) string {
	return fmt.Sprintf("%s/releases/%d", strings.TrimSuffix(r.client.Endpoint(), "/"), id)
}

// writeLookup is the lookup of a write to the release API.
func writeLookup(what string, at path.Path) lookup {
	return lookup{noun: "release", what: what, at: at, scope: apiwire.ScopeWrite, fields: map[string]path.Path{
		"environment": path.Root("environment"), "template": path.Root("template"), "targets": path.Root("targets"),
		"artifacts": path.Root("artifacts"), "variables": path.Root("variables"), "deployment_type": path.Root("deployment_type"),
	}}
}

// ModifyPlan checks at plan time that the environment exists (an unknown
// one is an error before anything is applied), and plans what a release
// left unfinished by an earlier apply calls for: one still running is
// waited for again (status unknown: an update), one that ended other than
// SUCCEEDED is released again (replace).
func (r *releaseResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan releaseResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *releaseResourceModel
	if !req.State.Raw.IsNull() {
		state = &releaseResourceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	env := plan.Environment
	if r.client != nil && !env.IsUnknown() && !env.IsNull() && (state == nil || state.Environment.ValueString() != env.ValueString()) {
		_, err := r.client.GetEnvironment(ctx, env.ValueString())
		switch {
		case client.IsNotFound(err):
			resp.Diagnostics.AddAttributeError(path.Root("environment"), "Unknown shiplog environment",
				fmt.Sprintf("The shiplog server at %s has no environment %q: fix the name, or create it first (shiplog env create %s ...). "+
					"Nothing was released.", r.client.Endpoint(), env.ValueString(), env.ValueString()))
			return
		case err != nil:
			r.addReadError(&resp.Diagnostics, lookup{noun: "environment", what: fmt.Sprintf("environment %q", env.ValueString()), at: path.Root("environment")}, err)
			return
		}
	}
	if state == nil || state.Status.IsNull() || state.Status.IsUnknown() || !plan.WaitForCompletion.ValueBool() {
		return
	}
	st := release.Status(state.Status.ValueString())
	if st == release.StatusSucceeded {
		return
	}
	plan.Status, plan.FinishedAt, plan.ErrorLog = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if st.Terminal() {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("status"))
	}
}

func (r *releaseResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.configured(&resp.Diagnostics) {
		return
	}
	var plan releaseResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.request()
	var rel *release.Release
	var err error
	if id := plan.PromoteFrom.ValueInt64(); id != 0 {
		rel, err = r.client.Promote(ctx, id, apiwire.PromoteRequest{Environment: in.Environment, Template: in.Template})
	} else {
		rel, err = r.client.CreateRelease(ctx, in)
	}
	if err != nil {
		r.addReadError(&resp.Diagnostics, writeLookup("a new release of environment "+fmt.Sprintf("%q", in.Environment), path.Root("environment")), err)
		return
	}
	plan.observe(rel, r.page(rel.ID))
	tflog.Info(ctx, fmt.Sprintf("shiplog release %d of %s queued: %s", rel.ID, rel.Environment, plan.URL.ValueString()),
		map[string]any{"release_id": rel.ID, "url": plan.URL.ValueString()})
	// The release exists from here on: keep it in the state whatever
	// happens to the wait.
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	if !plan.WaitForCompletion.ValueBool() || resp.Diagnostics.HasError() {
		return
	}
	limit, diags := plan.Timeouts.Create(ctx, defaultReleaseTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.await(ctx, &plan, limit, "timeouts.create", &resp.State, &resp.Diagnostics)
}

// await waits up to limit for the release of m to finish, logging each
// status it reaches, keeps what it saw in st and says how the wait ended:
// an error for a release that did not succeed; for a wait that ended first
// (limit, named by limitName; or Terraform interrupted), an error after
// aborting the release when abort_on_timeout is set, else a warning (the
// release goes on and the next plan reads it back).
func (r *releaseResource) await(ctx context.Context, m *releaseResourceModel, limit time.Duration, limitName string, st *tfsdk.State, diags *diag.Diagnostics) {
	id, env, page := m.ID.ValueInt64(), m.Environment.ValueString(), m.URL.ValueString()
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var seen release.Status
	final, err := r.client.AwaitRelease(wctx, id, awaitInterval, func(s release.Status) bool {
		if s != seen {
			seen = s
			fields := map[string]any{"release_id": id, "status": string(s), "url": page}
			if s == release.StatusPendingApproval {
				tflog.Warn(ctx, fmt.Sprintf("shiplog release %d of %s waits for approval: %s (shiplog release approve %d)", id, env, page, id), fields)
			} else {
				tflog.Info(ctx, fmt.Sprintf("shiplog release %d of %s is %s: %s", id, env, s, page), fields)
			}
		}
		return ended(s)
	})
	if final != nil {
		m.observe(final, page)
		diags.Append(st.Set(ctx, m)...)
	}
	lastSeen := "not seen"
	if final != nil {
		lastSeen = string(final.Status)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		diags.AddAttributeWarning(path.Root("id"), fmt.Sprintf("Waiting for shiplog release %d cancelled", id),
			fmt.Sprintf("Terraform was interrupted while waiting for release %d of %s (last seen %s). The release goes on in shiplog: %s "+
				"(or shiplog release wait %d; abort it with shiplog release abort %d). The next plan reads it back.", id, env, lastSeen, page, id, id))
	case err != nil && errors.Is(err, context.DeadlineExceeded):
		if !m.AbortOnTimeout.ValueBool() {
			diags.AddAttributeWarning(path.Root("timeouts"), fmt.Sprintf("shiplog release %d did not finish in time", id),
				fmt.Sprintf("Release %d of %s did not finish within %s (%s; last seen %s). It goes on in shiplog: %s. The next plan "+
					"reads it back: SUCCEEDED is kept, still running is waited for again, any other ending is released again. "+
					"Set abort_on_timeout = true to abort it and fail the apply instead.", id, env, limit, limitName, lastSeen, page))
			return
		}
		msg := fmt.Sprintf("Release %d of %s did not finish within %s (%s; last seen %s) and abort_on_timeout is set: ", id, env, limit, limitName, lastSeen)
		actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), r.client.Timeout())
		defer acancel()
		if ab, aerr := r.client.Abort(actx, id, fmt.Sprintf("terraform: %s ran out", limitName)); aerr != nil {
			msg += fmt.Sprintf("aborting it failed: %v. It may still run: %s", aerr, page)
		} else {
			if !ab.Status.Terminal() {
				// A running release ends once its worker has stopped terraform.
				wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), abortWait)
				if ended, _ := r.client.AwaitRelease(wctx, id, awaitInterval/4, release.Status.Terminal); ended != nil {
					ab = ended
				}
				wcancel()
			}
			m.observe(ab, page)
			diags.Append(st.Set(ctx, m)...)
			msg += fmt.Sprintf("it was aborted (now %s): %s", ab.Status, page)
		}
		diags.AddAttributeError(path.Root("timeouts"), fmt.Sprintf("shiplog release %d did not finish in time", id), msg)
	case err != nil:
		r.addReadError(diags, lookup{noun: "release", what: fmt.Sprintf("release %d (%s)", id, page), at: path.Root("id")}, err)
	case !Succeeded(final.Status):
		diags.AddAttributeError(path.Root("environment"), fmt.Sprintf("shiplog release %d %s", final.ID, final.Status),
			releaseFailure(final, page))
	}
}

// outcomes says, for every final release status, whether shiplog_release's
// create succeeds (true) or fails the apply (false) when its release ends
// in it. A final status missing here fails the apply, never passes it:
// TestEveryStatusIsHandled fails until it is added.
var outcomes = map[release.Status]bool{
	release.StatusSucceeded: true,
	release.StatusFailed:    false,
	release.StatusAborted:   false,
	release.StatusRejected:  false,
	release.StatusTimedOut:  false,
	release.StatusStopped:   false,
}

// Outcome says whether shiplog_release's create (with wait_for_completion)
// succeeds for a release that ended in the final status s; known is false
// for a status the provider does not know, which fails the apply.
func Outcome(s release.Status) (succeeds, known bool) {
	succeeds, known = outcomes[s]
	return succeeds, known
}

// Succeeded reports whether a release that ended in s passes the apply.
func Succeeded(s release.Status) bool {
	ok, known := Outcome(s)
	return ok && known
}

// ended reports whether the wait for a release in s is over: it has
// finished, or the server sent a status this provider does not know (a
// newer server's), which it would otherwise wait on until its timeout.
func ended(s release.Status) bool { return s.Terminal() || !s.Valid() }

// releaseFailure says how a release ended and why, for a diagnostic.
func releaseFailure(r *release.Release, page string) string {
	msg := fmt.Sprintf("Release %d of %s ended %s.", r.ID, r.Environment, r.Status)
	if e := strings.TrimSpace(r.ErrorLog); e != "" {
		msg += "\n\n" + e
	}
	return msg + fmt.Sprintf("\n\nIts page: %s\nIts log: shiplog release logs %d", page, r.ID)
}

func (r *releaseResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !r.configured(&resp.Diagnostics) {
		return
	}
	var state releaseResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	rel, err := r.client.GetRelease(ctx, state.ID.ValueInt64())
	if client.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		r.addReadError(&resp.Diagnostics, lookup{noun: "release", what: fmt.Sprintf("release %d", state.ID.ValueInt64()), at: path.Root("id")}, err)
		return
	}
	state.observe(rel, r.page(rel.ID))
	if state.WaitForCompletion.IsNull() { // imported
		state.WaitForCompletion = types.BoolValue(true)
	}
	if state.AbortOnTimeout.IsNull() {
		state.AbortOnTimeout = types.BoolValue(false)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// ImportState takes a release by its ID (`terraform import
// shiplog_release.x 42`): its environment, template, deployment type,
// targets, variables (sensitive ones excepted: they are never shown) and
// artifacts come from the server, so a configuration that says the same
// plans no change.
func (r *releaseResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, err := strconv.ParseInt(strings.TrimSpace(req.ID), 10, 64)
	if err != nil || id <= 0 {
		resp.Diagnostics.AddError("Invalid shiplog release ID",
			fmt.Sprintf("%q is not a release ID: import a release by its number, such as terraform import shiplog_release.x 42.", req.ID))
		return
	}
	if !r.configured(&resp.Diagnostics) {
		return
	}
	rel, err := r.client.GetRelease(ctx, id)
	if err != nil {
		r.addReadError(&resp.Diagnostics, lookup{noun: "release", what: fmt.Sprintf("release %d", id), at: path.Root("id")}, err)
		return
	}
	m := releaseResourceModel{WaitForCompletion: types.BoolValue(true), AbortOnTimeout: types.BoolValue(false),
		DestroyTemplate: types.StringNull(), Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
			"create": types.StringType, "update": types.StringType, "delete": types.StringType})}}
	m.observe(rel, r.page(rel.ID))
	m.PromoteFrom = int64Value(rel.PromotedFrom)
	for _, t := range rel.Targets {
		m.Targets = append(m.Targets, types.StringValue(t))
	}
	for _, v := range rel.Variables {
		if v.Sensitive {
			continue
		}
		if m.Variables == nil {
			m.Variables = map[string]types.String{}
		}
		m.Variables[v.Name] = types.StringValue(v.Value)
	}
	for _, a := range rel.Artifacts {
		m.Artifacts = append(m.Artifacts, types.Int64Value(a.ID))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Update waits again for a release an earlier apply left running (planned
// by ModifyPlan); otherwise it only takes wait_for_completion,
// abort_on_timeout, destroy_template and timeouts: every other input queues
// a new release.
func (r *releaseResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state releaseResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	state.WaitForCompletion, state.AbortOnTimeout, state.DestroyTemplate, state.Timeouts =
		plan.WaitForCompletion, plan.AbortOnTimeout, plan.DestroyTemplate, plan.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	if !plan.Status.IsUnknown() || resp.Diagnostics.HasError() || !r.configured(&resp.Diagnostics) {
		return
	}
	limit, diags := plan.Timeouts.Update(ctx, defaultReleaseTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.URL.IsNull() || state.URL.ValueString() == "" {
		state.URL = types.StringValue(r.page(state.ID.ValueInt64()))
	}
	tflog.Info(ctx, fmt.Sprintf("waiting again for shiplog release %d of %s: %s", state.ID.ValueInt64(), state.Environment.ValueString(), state.URL.ValueString()))
	r.await(ctx, &state, limit, "timeouts.update", &resp.State, &resp.Diagnostics)
}

// Delete forgets the release: releases are history, shiplog keeps them.
// With destroy_template it first releases the environment with that
// template and waits for it to succeed.
func (r *releaseResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state releaseResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.DestroyTemplate.IsNull() || state.DestroyTemplate.ValueString() == "" {
		addForgetWarning(&resp.Diagnostics, "release")
		return
	}
	if !r.configured(&resp.Diagnostics) {
		return
	}
	in := state.request()
	in.Template, in.Artifacts, in.DeploymentType = state.DestroyTemplate.ValueString(), nil, ""
	rel, err := r.client.CreateRelease(ctx, in)
	if err != nil {
		r.addReadError(&resp.Diagnostics, writeLookup(fmt.Sprintf("a %s release of environment %q", in.Template, in.Environment),
			path.Root("destroy_template")), err)
		return
	}
	page := r.page(rel.ID)
	tflog.Info(ctx, fmt.Sprintf("shiplog release %d (%s) of %s queued: %s", rel.ID, in.Template, rel.Environment, page),
		map[string]any{"release_id": rel.ID, "url": page})
	limit, diags := state.Timeouts.Delete(ctx, defaultReleaseTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	final, err := r.client.AwaitRelease(wctx, rel.ID, awaitInterval, release.Status.Terminal)
	switch {
	case err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		resp.Diagnostics.AddAttributeError(path.Root("destroy_template"), fmt.Sprintf("shiplog release %d did not finish in time", rel.ID),
			fmt.Sprintf("The %s release %d of %s did not finish within %s (timeouts.delete). It goes on in shiplog: %s. "+
				"The resource stays in the state.", in.Template, rel.ID, rel.Environment, limit, page))
	case err != nil:
		r.addReadError(&resp.Diagnostics, lookup{noun: "release", what: fmt.Sprintf("release %d (%s)", rel.ID, page), at: path.Root("destroy_template")}, err)
	case final.Status != release.StatusSucceeded:
		resp.Diagnostics.AddAttributeError(path.Root("destroy_template"), fmt.Sprintf("shiplog release %d %s", final.ID, final.Status),
			releaseFailure(final, page)+"\n\nThe resource stays in the state.")
	}
}

// addForgetWarning says that destroying a noun only removed it from the
// state.
func addForgetWarning(diags *diag.Diagnostics, noun string) {
	diags.AddWarning("shiplog keeps its history",
		fmt.Sprintf("The %s was removed from the Terraform state only: shiplog keeps every %s as history.", noun, noun))
}
