package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

var (
	_ resource.Resource              = (*releaseResource)(nil)
	_ resource.ResourceWithConfigure = (*releaseResource)(nil)
)

// NewReleaseResource is the shiplog_release resource.
func NewReleaseResource() resource.Resource { return &releaseResource{} }

type releaseResource struct{ resourceBase }

// defaultReleaseTimeout bounds the wait for a release without timeouts.create.
const defaultReleaseTimeout = 30 * time.Minute

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
	Timeouts           timeouts.Value          `tfsdk:"timeouts"`
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
			"waited for until someone approves or rejects it, or `timeouts.create` runs out. Any change of the inputs " +
			"(or of `triggers`) queues a new release. Releases are history: destroying the resource only removes it " +
			"from the state. Needs a token with the `write` scope.",
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
			"timeouts":     timeouts.Attributes(ctx, timeouts.Opts{Create: true}),
			"status":       computedStr("The release's status when the apply ended (refreshed on every read)."),
			"release_type": computedStr("`PLAN`, `APPLY` or `DESTROY`, from the template's phases."),
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

// observe copies what the server says about rel into the model.
func (m *releaseResourceModel) observe(rel *release.Release) {
	m.ID = types.Int64Value(rel.ID)
	m.Environment = types.StringValue(rel.Environment)
	m.Template = types.StringValue(rel.Template)
	m.DeploymentType = types.StringValue(string(rel.DeploymentType))
	m.Status = types.StringValue(string(rel.Status))
	m.ReleaseType = types.StringValue(string(rel.Type))
	m.ErrorLog = types.StringValue(rel.ErrorLog)
	m.CreatedAt = timeValue(&rel.CreatedAt)
	m.FinishedAt = timeValue(rel.FinishedAt)
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
	rel, err := r.client.CreateRelease(ctx, in)
	if err != nil {
		r.addReadError(&resp.Diagnostics, lookup{noun: "release", what: "a new release of environment " + fmt.Sprintf("%q", in.Environment),
			at: path.Root("environment"), fields: map[string]path.Path{
				"environment": path.Root("environment"), "template": path.Root("template"), "targets": path.Root("targets"),
				"artifacts": path.Root("artifacts"), "variables": path.Root("variables"), "deployment_type": path.Root("deployment_type"),
			}}, err)
		return
	}
	plan.observe(rel)
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
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	final, err := r.client.AwaitRelease(wctx, rel.ID, awaitInterval, ended)
	if final != nil {
		plan.observe(final)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
	switch {
	case err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		resp.Diagnostics.AddAttributeError(path.Root("timeouts"), "shiplog release did not finish in time",
			fmt.Sprintf("Release %d of %s did not finish within %s (%v). It goes on in shiplog; the resource is tainted, "+
				"so the next apply queues a new release unless you remove it from the state.", rel.ID, rel.Environment, limit, err))
	case err != nil:
		r.addReadError(&resp.Diagnostics, lookup{noun: "release", what: fmt.Sprintf("release %d", rel.ID), at: path.Root("id")}, err)
	case !Succeeded(final.Status):
		resp.Diagnostics.AddAttributeError(path.Root("environment"), fmt.Sprintf("shiplog release %d %s", final.ID, final.Status),
			releaseFailure(final))
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
func releaseFailure(r *release.Release) string {
	msg := fmt.Sprintf("Release %d of %s ended %s.", r.ID, r.Environment, r.Status)
	if e := strings.TrimSpace(r.ErrorLog); e != "" {
		msg += "\n\n" + e
	}
	return msg + fmt.Sprintf("\n\nIts log: shiplog release logs %d", r.ID)
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
	state.observe(rel)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update only takes wait_for_completion and timeouts: every other input
// queues a new release.
func (r *releaseResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state releaseResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	state.WaitForCompletion, state.Timeouts = plan.WaitForCompletion, plan.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete forgets the release: releases are history, shiplog keeps them.
func (r *releaseResource) Delete(_ context.Context, _ resource.DeleteRequest, resp *resource.DeleteResponse) {
	addForgetWarning(&resp.Diagnostics, "release")
}

// addForgetWarning says that destroying a noun only removed it from the
// state.
func addForgetWarning(diags *diag.Diagnostics, noun string) {
	diags.AddWarning("shiplog keeps its history",
		fmt.Sprintf("The %s was removed from the Terraform state only: shiplog keeps every %s as history.", noun, noun))
}
