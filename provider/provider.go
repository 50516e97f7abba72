// Package provider is the shiplog Terraform provider: read-only data sources
// over shiplog's HTTP API, through internal/client. The shiplog binary serves
// it when Terraform launches it (see Serve).
package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
)

// Address is the provider's registry address.
const Address = "registry.terraform.io/shiplog-dev/shiplog"

// Environment variables the provider falls back to.
const (
	EnvEndpoint = "SHIPLOG_ENDPOINT"
	EnvToken    = "SHIPLOG_TOKEN"
)

var _ provider.Provider = (*shiplogProvider)(nil)

// shiplogProvider is the provider; version is the binary's version.
type shiplogProvider struct {
	version string
}

// shiplogProviderModel is the provider block.
type shiplogProviderModel struct {
	Endpoint types.String `tfsdk:"endpoint"`
	Token    types.String `tfsdk:"token"`
	Timeout  types.String `tfsdk:"timeout"`
}

// New returns the provider factory providerserver.Serve wants.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &shiplogProvider{version: version}
	}
}

func (p *shiplogProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "shiplog"
	resp.Version = p.version
}

func (p *shiplogProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads releases, their resource changes, artifacts and resource status from a " +
			"[shiplog](https://github.com/shiplog-dev/terraform-provider-shiplog) API server. " +
			"Its data sources read (a token with the `read` scope); its resources `shiplog_release` and " +
			"`shiplog_artifact` trigger releases and register artifacts (the `write` scope).",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "Base URL of the shiplog API server, such as `https://shiplog.example.com` or " +
					"`http://127.0.0.1:8080` (the provider adds `/api/v1`). Falls back to the `" + EnvEndpoint +
					"` environment variable; one of the two must be set.",
				Optional: true,
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "API token with the `read` scope (and `write` for the resources), sent as `Authorization: Bearer <token>`. " +
					"Falls back to the `" + EnvToken + "` environment variable; one of the two must be set. " +
					"The provider checks the token when it is configured, with one small request.",
				Optional:  true,
				Sensitive: true,
			},
			"timeout": schema.StringAttribute{
				MarkdownDescription: "How long to wait for the server to answer one request, as a Go duration " +
					"(`30s`, `2m`). Defaults to `30s`. A server that does not answer in time is an error, not a hang.",
				Optional:   true,
				Validators: []validator.String{durationValidator{}},
			},
		},
	}
}

// Configure builds the API client and checks, with one request, that the
// server answers and takes the token.
func (p *shiplogProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg shiplogProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, a := range []struct {
		name, env string
		v         types.String
	}{{"endpoint", EnvEndpoint, cfg.Endpoint}, {"token", EnvToken, cfg.Token}} {
		if a.v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(a.name), "Unknown shiplog "+a.name,
				fmt.Sprintf("The provider's %s is not known until apply, but the provider needs it to read data sources during plan. "+
					"Set it to a value known in advance, or use the %s environment variable.", a.name, a.env))
		}
	}
	if cfg.Timeout.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("timeout"), "Unknown shiplog timeout",
			"The provider's timeout is not known until apply; set it to a value known in advance.")
	}
	if resp.Diagnostics.HasError() {
		return
	}

	endpoint := valueOrEnv(cfg.Endpoint, EnvEndpoint)
	token := valueOrEnv(cfg.Token, EnvToken)
	if endpoint == "" {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Missing shiplog endpoint",
			"The provider needs the URL of a shiplog API server: set endpoint in the provider block "+
				"or the "+EnvEndpoint+" environment variable, e.g. http://127.0.0.1:8080.")
	}
	if token == "" {
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Missing shiplog token",
			"The provider needs an API token with the read scope: set token in the provider block "+
				"or the "+EnvToken+" environment variable. Create one with: shiplog token create NAME --scope read")
	}
	timeout := client.DefaultTimeout
	if s := cfg.Timeout.ValueString(); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			resp.Diagnostics.AddAttributeError(path.Root("timeout"), "Invalid timeout", fmt.Sprintf("%q is not a positive duration such as 30s.", s))
		}
		timeout = d
	}
	if resp.Diagnostics.HasError() {
		return
	}

	c, err := client.New(client.Config{
		Endpoint:  endpoint,
		Token:     token,
		Timeout:   timeout,
		UserAgent: "terraform-provider-shiplog/" + p.version + " (+terraform " + req.TerraformVersion + ")",
	})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid shiplog endpoint", err.Error())
		return
	}
	ctx = tflog.SetField(ctx, "shiplog_endpoint", c.Endpoint())
	tflog.Debug(ctx, "checking the shiplog token")
	if err := c.CheckToken(ctx); err != nil {
		addConfigureError(&resp.Diagnostics, c, err)
		return
	}
	resp.DataSourceData = c
	resp.ResourceData = c
}

// addConfigureError turns a failed token check into a diagnostic on the
// attribute to fix.
func addConfigureError(diags *diag.Diagnostics, c *client.Client, err error) {
	if e, ok := client.AsError(err); ok {
		switch {
		case e.Status == http.StatusUnauthorized:
			diags.AddAttributeError(path.Root("token"), "shiplog refused the token",
				fmt.Sprintf("The shiplog server at %s did not accept the token (%s). Check token or %s: it may be mistyped, revoked, or meant for another server.", c.Endpoint(), e.Message, EnvToken))
		case e.Status == http.StatusForbidden:
			diags.AddAttributeError(path.Root("token"), "shiplog token lacks the read scope",
				fmt.Sprintf("The shiplog server at %s accepted the token but it may not read releases (%s). The provider needs a token with the read scope.", c.Endpoint(), e.Message))
		case e.Code == "":
			diags.AddAttributeError(path.Root("endpoint"), "Not a shiplog API server",
				fmt.Sprintf("%s did not answer like a shiplog API server: %v. Check endpoint or %s.", c.Endpoint(), err, EnvEndpoint))
		default:
			diags.AddAttributeError(path.Root("endpoint"), "shiplog server error",
				fmt.Sprintf("The shiplog server at %s failed the provider's first request: %v", c.Endpoint(), err))
		}
		return
	}
	if errors.Is(err, client.ErrTimeout) {
		diags.AddAttributeError(path.Root("endpoint"), "shiplog server did not answer",
			fmt.Sprintf("No answer from %s within %s: %v. Check that the server is running and reachable, or raise the provider's timeout.", c.Endpoint(), c.Timeout(), err))
		return
	}
	diags.AddAttributeError(path.Root("endpoint"), "Cannot reach the shiplog server",
		fmt.Sprintf("The provider could not talk to %s: %v. Check endpoint or %s.", c.Endpoint(), err, EnvEndpoint))
}

// valueOrEnv is v when set, else the environment variable.
func valueOrEnv(v types.String, env string) string {
	if s := v.ValueString(); !v.IsNull() && s != "" {
		return s
	}
	return os.Getenv(env)
}

func (p *shiplogProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewReleaseResource, NewArtifactResource, NewScheduleResource}
}

func (p *shiplogProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewReleaseDataSource,
		NewReleasesDataSource,
		NewReleaseChangesDataSource,
		NewArtifactDataSource,
		NewArtifactsDataSource,
		NewResourceStatusDataSource,
		NewEnvironmentDataSource,
		NewOutputsDataSource,
	}
}
