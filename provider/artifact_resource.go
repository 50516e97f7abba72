package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
)

var (
	_ resource.Resource                = (*artifactResource)(nil)
	_ resource.ResourceWithConfigure   = (*artifactResource)(nil)
	_ resource.ResourceWithImportState = (*artifactResource)(nil)
)

// NewArtifactResource is the shiplog_artifact resource.
func NewArtifactResource() resource.Resource { return &artifactResource{} }

type artifactResource struct{ resourceBase }

func (r *artifactResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_artifact"
}

func (r *artifactResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	input := func(desc string, required bool) schema.Attribute {
		a := schema.StringAttribute{
			MarkdownDescription: desc,
			Required:            required,
			Optional:            !required,
			Computed:            !required,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
		}
		if !required {
			a.PlanModifiers = append(a.PlanModifiers, stringplanmodifier.UseStateForUnknown())
		}
		return a
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Registers an artifact (an image, a bundle) with shiplog, as a build configuration does, " +
			"so that a release can deploy it (`shiplog_release.artifacts`). Artifacts are history: any change " +
			"registers a new one, and destroying only forgets it (shiplog keeps it). Needs a token with the `write` scope.",
		Attributes: map[string]schema.Attribute{
			"id": schema.Int64Attribute{MarkdownDescription: "The artifact's ID.", Computed: true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
			"artifact_uri": input("Where the artifact is, e.g. an image reference or a bucket URL.", true),
			"build_id":     input("ID of the build that produced the artifact.", false),
			"stack_name":   input("The stack the artifact belongs to.", false),
			"app_name":     input("The application the artifact belongs to.", false),
			"registration_metadata": schema.StringAttribute{
				MarkdownDescription: "Metadata as a JSON object, e.g. `jsonencode({ commit = \"0a1b2c3\" })`; `{}` when unset.",
				Optional:            true,
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace(), stringplanmodifier.UseStateForUnknown()},
				Validators:          []validator.String{jsonObjectValidator{}},
			},
			"created_at": schema.StringAttribute{MarkdownDescription: "When the artifact was registered (RFC 3339).", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		},
	}
}

func (r *artifactResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.configured(&resp.Diagnostics) {
		return
	}
	var plan artifactModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := apiwire.ArtifactRequest{URI: plan.URI.ValueString(), BuildID: plan.BuildID.ValueString(),
		StackName: plan.StackName.ValueString(), AppName: plan.AppName.ValueString()}
	if s := plan.RegistrationMetadata.ValueString(); s != "" {
		if err := json.Unmarshal([]byte(s), &in.RegistrationMetadata); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("registration_metadata"), "Invalid registration_metadata", err.Error())
			return
		}
	}
	a, err := r.client.RegisterArtifact(ctx, in)
	if err != nil {
		r.addReadError(&resp.Diagnostics, lookup{noun: "artifact", what: "the registration of " + in.URI, at: path.Root("artifact_uri"),
			fields: map[string]path.Path{"artifact_uri": path.Root("artifact_uri"), "build_id": path.Root("build_id"),
				"app_name": path.Root("app_name"), "stack_name": path.Root("stack_name"), "registration_metadata": path.Root("registration_metadata")}}, err)
		return
	}
	state, err := newArtifact(a)
	if err != nil {
		resp.Diagnostics.AddError("Cannot encode artifact metadata", err.Error())
		return
	}
	if !plan.RegistrationMetadata.IsUnknown() && !plan.RegistrationMetadata.IsNull() {
		state.RegistrationMetadata = plan.RegistrationMetadata // as written, not as re-encoded
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *artifactResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !r.configured(&resp.Diagnostics) {
		return
	}
	var prior artifactModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	a, err := r.client.GetArtifact(ctx, prior.ID.ValueInt64())
	if client.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		r.addReadError(&resp.Diagnostics, lookup{noun: "artifact", what: fmt.Sprintf("artifact %d", prior.ID.ValueInt64()), at: path.Root("id")}, err)
		return
	}
	state, err := newArtifact(a)
	if err != nil {
		resp.Diagnostics.AddError("Cannot encode artifact metadata", err.Error())
		return
	}
	if sameJSON(prior.RegistrationMetadata.ValueString(), state.RegistrationMetadata.ValueString()) {
		state.RegistrationMetadata = prior.RegistrationMetadata
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update is never called: every input attribute replaces the artifact.
func (r *artifactResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.Diagnostics.AddError("shiplog artifacts cannot change", "Every change registers a new artifact. Please report this issue to the provider developers.")
}

// ImportState takes a registered artifact by its ID (`terraform import
// shiplog_artifact.x 42`); Read fills in the rest.
func (r *artifactResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, err := strconv.ParseInt(strings.TrimSpace(req.ID), 10, 64)
	if err != nil || id <= 0 {
		resp.Diagnostics.AddError("Invalid shiplog artifact ID",
			fmt.Sprintf("%q is not an artifact ID: import an artifact by its number, such as terraform import shiplog_artifact.x 42.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// Delete forgets the artifact: shiplog keeps artifacts as history.
func (r *artifactResource) Delete(_ context.Context, _ resource.DeleteRequest, resp *resource.DeleteResponse) {
	addForgetWarning(&resp.Diagnostics, "artifact")
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return false
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return string(ja) == string(jb)
}

// jsonObjectValidator accepts a JSON object.
type jsonObjectValidator struct{}

func (jsonObjectValidator) Description(context.Context) string { return "value must be a JSON object" }

func (v jsonObjectValidator) MarkdownDescription(ctx context.Context) string {
	return "value must be a JSON object, such as `jsonencode({ commit = \"abc\" })`"
}

func (v jsonObjectValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(req.ConfigValue.ValueString()), &m); err != nil || m == nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid JSON object",
			fmt.Sprintf("%s must be a JSON object such as jsonencode({ commit = \"abc\" }): %v", req.Path, err))
	}
}
