package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// dataSourceBase gives every data source the provider's client.
type dataSourceBase struct {
	client *client.Client
}

func (d *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.take(req.ProviderData, &resp.Diagnostics)
}

// take keeps the client the provider's Configure handed over (nil while
// Terraform only validates).
func (d *dataSourceBase) take(providerData any, diags *diag.Diagnostics) {
	if providerData == nil {
		return // not configured yet (validation)
	}
	c, ok := providerData.(*client.Client)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *client.Client, got %T. Please report this issue to the provider developers.", providerData))
		return
	}
	d.client = c
}

// configured reports (with a diagnostic) whether the provider was configured.
func (d *dataSourceBase) configured(diags *diag.Diagnostics) bool {
	if d.client == nil {
		diags.AddError("shiplog provider not configured", "The data source was read before the provider was configured. Please report this issue to the provider developers.")
		return false
	}
	return true
}

// lookup describes a failed read for addReadError.
type lookup struct {
	noun string    // "release", "artifact"...
	what string    // what was looked for: `release 42`, `the newest release of environment "prod"`
	at   path.Path // the attribute the lookup came from
	// fields maps an API input field named in an "invalid" error to the
	// attribute that carries it.
	fields map[string]path.Path
	// scope is the token scope the call needs ("" means read): a 403 names
	// it.
	scope apiwire.Scope
}

// addReadError turns a failed API call into a diagnostic on the attribute
// the lookup came from, saying what was looked for and what to do.
func (d *dataSourceBase) addReadError(diags *diag.Diagnostics, l lookup, err error) {
	endpoint := d.client.Endpoint()
	if e, ok := client.AsError(err); ok {
		switch {
		case e.Code == apiwire.CodeNotFound && e.Method == "":
			// The client's own verdict on a listing: nothing matched.
			diags.AddAttributeError(l.at, fmt.Sprintf("shiplog %s not found", l.noun),
				fmt.Sprintf("Looked for %s on %s and found nothing.", l.what, endpoint))
		case e.Code == apiwire.CodeNotFound:
			diags.AddAttributeError(l.at, fmt.Sprintf("shiplog %s not found", l.noun),
				fmt.Sprintf("Looked for %s on %s and found nothing: %s.", l.what, endpoint, e.Message))
		case e.Status == http.StatusUnauthorized:
			diags.AddAttributeError(l.at, "shiplog refused the token",
				fmt.Sprintf("Reading %s from %s: the server no longer accepts the provider's token (%s).", l.what, endpoint, e.Message))
		case e.Status == http.StatusForbidden:
			scope, doing := l.scope, "Reading"
			if scope == "" {
				scope = apiwire.ScopeRead
			}
			if scope != apiwire.ScopeRead {
				doing = "Writing"
			}
			diags.AddAttributeError(l.at, fmt.Sprintf("shiplog token lacks the %s scope", scope),
				fmt.Sprintf("%s %s on %s: %s. The provider needs a token with the %s scope for this (shiplog token create NAME --scope read,%s).",
					doing, l.what, endpoint, e.Message, scope, scope))
		case e.Code == apiwire.CodeInvalid:
			at := l.at
			if p, ok := l.fields[e.Field]; ok {
				at = p
			}
			diags.AddAttributeError(at, fmt.Sprintf("Invalid %s lookup", l.noun),
				fmt.Sprintf("The shiplog server at %s refused the lookup of %s: %s.", endpoint, l.what, e.Message))
		case e.Code == "":
			diags.AddAttributeError(l.at, "Not a shiplog API answer",
				fmt.Sprintf("Reading %s: %s did not answer like a shiplog API server: %v. Check the provider's endpoint.", l.what, endpoint, err))
		default:
			diags.AddAttributeError(l.at, "shiplog server error",
				fmt.Sprintf("The shiplog server at %s failed while reading %s: %v", endpoint, l.what, err))
		}
		return
	}
	if errors.Is(err, context.Canceled) {
		diags.AddAttributeError(l.at, "Cancelled",
			fmt.Sprintf("%s on %s was cancelled (Terraform was interrupted) before the server answered.", l.what, endpoint))
		return
	}
	if errors.Is(err, client.ErrTimeout) {
		diags.AddAttributeError(l.at, "shiplog server did not answer",
			fmt.Sprintf("Reading %s: no answer from %s within %s (%v). Check that the server is running and reachable, or raise the provider's timeout.",
				l.what, endpoint, d.client.Timeout(), err))
		return
	}
	diags.AddAttributeError(l.at, "Cannot read from the shiplog server",
		fmt.Sprintf("Reading %s from %s: %v", l.what, endpoint, err))
}

// timeValue is t in RFC 3339 (UTC), or null.
func timeValue(t *time.Time) types.String {
	if t == nil || t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339Nano))
}

// int64Value is *v, or null.
func int64Value(v *int64) types.Int64 {
	if v == nil {
		return types.Int64Null()
	}
	return types.Int64Value(*v)
}

// stringPtrValue is *s, or null.
func stringPtrValue(s *string) types.String {
	if s == nil {
		return types.StringNull()
	}
	return types.StringValue(*s)
}

// jsonValue is v as JSON, or null when v is nil.
func jsonValue(v any) (types.String, error) {
	if v == nil {
		return types.StringNull(), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return types.StringNull(), err
	}
	return types.StringValue(string(b)), nil
}

// stringList is ss as a list value (empty, not null, when ss is empty).
func stringList(ss []string) types.List {
	vs := make([]attr.Value, len(ss))
	for i, s := range ss {
		vs[i] = types.StringValue(s)
	}
	return types.ListValueMust(types.StringType, vs)
}

func statusStrings() []string {
	out := make([]string, len(release.Statuses))
	for i, s := range release.Statuses {
		out[i] = string(s)
	}
	return out
}

var releaseTypes = []string{string(release.TypePlan), string(release.TypeApply), string(release.TypeDestroy), string(release.TypeSelective), string(release.TypeUnlock)}

// awaitInterval is how often a wait for a release looks at it.
const awaitInterval = time.Second

// knownEnvironment is nil when name is empty or names an environment on the
// server, else the client's error (not_found for an unknown one): a filter
// on an unknown environment is an error, never an empty result.
func (d *dataSourceBase) knownEnvironment(ctx context.Context, name string) error {
	if name == "" {
		return nil
	}
	_, err := d.client.GetEnvironment(ctx, name)
	return err
}

var deploymentTypes = []string{
	string(release.DeploymentRegular), string(release.DeploymentCustom), string(release.DeploymentRollback),
}

// durationValidator accepts a positive Go duration such as 30s.
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return "value must be a positive duration such as 30s or 2m"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string {
	return "value must be a positive duration such as `30s` or `2m`"
}

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if d, err := time.ParseDuration(s); err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q is not a positive duration: use a number with a unit, such as 30s or 2m.", s))
	}
}

// rfc3339Validator accepts an RFC 3339 time such as 2026-01-02T15:04:05Z.
type rfc3339Validator struct{}

func (rfc3339Validator) Description(context.Context) string {
	return "value must be an RFC 3339 time such as 2026-01-02T15:04:05Z"
}

func (v rfc3339Validator) MarkdownDescription(ctx context.Context) string {
	return "value must be an RFC 3339 time such as `2026-01-02T15:04:05Z`"
}

func (v rfc3339Validator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid time",
			fmt.Sprintf("%q is not an RFC 3339 time: write it like 2026-01-02T15:04:05Z (plantimestamp() and timeadd() give this form).", s))
	}
}

// trueValidator accepts only true (an optional flag whose only meaning is
// "yes").
type trueValidator struct{}

func (trueValidator) Description(context.Context) string { return "value must be true when set" }

func (v trueValidator) MarkdownDescription(ctx context.Context) string {
	return "value must be `true` when set"
}

func (v trueValidator) ValidateBool(ctx context.Context, req validator.BoolRequest, resp *validator.BoolResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueBool() {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid deployed",
		"deployed = false is not a filter: leave it out to read the newest registered artifact, or set it to true with environment.")
}
