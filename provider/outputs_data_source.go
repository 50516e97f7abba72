package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*outputsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*outputsDataSource)(nil)
)

// NewOutputsDataSource is shiplog_outputs.
func NewOutputsDataSource() datasource.DataSource { return &outputsDataSource{} }

type outputsDataSource struct{ dataSourceBase }

type outputsModel struct {
	Environment        types.String  `tfsdk:"environment"`
	Values             types.Dynamic `tfsdk:"values"`
	NonsensitiveValues types.Dynamic `tfsdk:"nonsensitive_values"`
	SensitiveOutputs   []string      `tfsdk:"sensitive_outputs"`
	ReleaseID          types.Int64   `tfsdk:"release_id"`
}

func (d *outputsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_outputs"
}

func (d *outputsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The outputs of an environment as its last apply left them, as `tfe_outputs` reads a " +
			"workspace's. shiplog never keeps the value of a sensitive output: such outputs are listed in " +
			"`sensitive_outputs` and are null in `values`. An unknown environment is an error.",
		Attributes: map[string]schema.Attribute{
			"environment": schema.StringAttribute{MarkdownDescription: "The environment.", Required: true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"values": schema.DynamicAttribute{
				MarkdownDescription: "Every output by name (an object), marked sensitive as `tfe_outputs` does; sensitive outputs are null.",
				Computed:            true, Sensitive: true},
			"nonsensitive_values": schema.DynamicAttribute{
				MarkdownDescription: "The outputs that are not sensitive, by name (an object), usable without `nonsensitive()`.",
				Computed:            true},
			"sensitive_outputs": schema.ListAttribute{MarkdownDescription: "Names of the sensitive outputs, sorted.",
				ElementType: types.StringType, Computed: true},
			"release_id": schema.Int64Attribute{
				MarkdownDescription: "The release whose apply last set an output (the newest among them); null when there are no outputs.",
				Computed:            true},
		},
	}
}

func (d *outputsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.configured(&resp.Diagnostics) {
		return
	}
	var cfg outputsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	env := cfg.Environment.ValueString()
	outs, err := d.client.ListOutputs(ctx, env)
	if err != nil {
		d.addReadError(&resp.Diagnostics, lookup{noun: "outputs", what: fmt.Sprintf("the outputs of environment %q", env), at: path.Root("environment")}, err)
		return
	}
	all, plain := map[string]attr.Value{}, map[string]attr.Value{}
	state := outputsModel{Environment: cfg.Environment, SensitiveOutputs: []string{}, ReleaseID: types.Int64Null()}
	for _, o := range outs {
		if o.ReleaseID > state.ReleaseID.ValueInt64() {
			state.ReleaseID = types.Int64Value(o.ReleaseID)
		}
		if o.Sensitive {
			state.SensitiveOutputs = append(state.SensitiveOutputs, o.Name)
			all[o.Name] = types.DynamicNull()
			continue
		}
		v, err := jsonAttr(o.Value)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("values"), "Cannot read an output", fmt.Sprintf("Output %q of %s: %v", o.Name, env, err))
			return
		}
		all[o.Name], plain[o.Name] = v, v
	}
	slices.Sort(state.SensitiveOutputs)
	state.Values = types.DynamicValue(objectOf(all))
	state.NonsensitiveValues = types.DynamicValue(objectOf(plain))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// objectOf is an object value of vs.
func objectOf(vs map[string]attr.Value) types.Object {
	ts := make(map[string]attr.Type, len(vs))
	for k, v := range vs {
		ts[k] = v.Type(context.Background())
	}
	return types.ObjectValueMust(ts, vs)
}

// jsonAttr turns a value as encoding/json decodes it (objects, arrays,
// strings, float64 or json.Number, bools, nil) into a Terraform value:
// objects, tuples, strings, numbers, bools; nil is a null dynamic value.
func jsonAttr(v any) (attr.Value, error) {
	switch v := v.(type) {
	case nil:
		return types.DynamicNull(), nil
	case string:
		return types.StringValue(v), nil
	case bool:
		return types.BoolValue(v), nil
	case float64:
		return types.NumberValue(big.NewFloat(v)), nil
	case json.Number:
		f, _, err := big.ParseFloat(string(v), 10, 512, big.ToNearestEven)
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", v, err)
		}
		return types.NumberValue(f), nil
	case []any:
		vs := make([]attr.Value, len(v))
		ts := make([]attr.Type, len(v))
		for i, e := range v {
			a, err := jsonAttr(e)
			if err != nil {
				return nil, err
			}
			vs[i], ts[i] = a, a.Type(context.Background())
		}
		return types.TupleValueMust(ts, vs), nil
	case map[string]any:
		vs := make(map[string]attr.Value, len(v))
		for k, e := range v {
			a, err := jsonAttr(e)
			if err != nil {
				return nil, err
			}
			vs[k] = a
		}
		return objectOf(vs), nil
	}
	return nil, fmt.Errorf("unexpected JSON value %T", v)
}
