package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// maxChanges bounds what one shiplog_release_changes puts into state.
const maxChanges = 10000

var (
	_ datasource.DataSource              = (*releaseChangesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*releaseChangesDataSource)(nil)
)

// NewReleaseChangesDataSource is shiplog_release_changes.
func NewReleaseChangesDataSource() datasource.DataSource { return &releaseChangesDataSource{} }

type releaseChangesDataSource struct{ dataSourceBase }

type releaseChangesModel struct {
	ReleaseID     types.Int64   `tfsdk:"release_id"`
	Kind          types.String  `tfsdk:"kind"`
	Action        types.String  `tfsdk:"action"`
	Type          types.String  `tfsdk:"type"`
	Module        types.String  `tfsdk:"module"`
	AddressPrefix types.String  `tfsdk:"address_prefix"`
	Changes       []changeModel `tfsdk:"changes"`
}

type changeModel struct {
	Address         types.String `tfsdk:"address"`
	PreviousAddress types.String `tfsdk:"previous_address"`
	ModuleAddress   types.String `tfsdk:"module_address"`
	Mode            types.String `tfsdk:"mode"`
	Type            types.String `tfsdk:"type"`
	Name            types.String `tfsdk:"name"`
	Index           types.String `tfsdk:"index"`
	Provider        types.String `tfsdk:"provider"`
	DeposedKey      types.String `tfsdk:"deposed_key"`
	Action          types.String `tfsdk:"action"`
	ReplaceOrder    types.String `tfsdk:"replace_order"`
	Modification    types.String `tfsdk:"modification"`
	ActionReason    types.String `tfsdk:"action_reason"`
	ImportID        types.String `tfsdk:"import_id"`
	Phase           types.String `tfsdk:"phase"`
	Fields          []fieldModel `tfsdk:"fields"`
}

type fieldModel struct {
	Path      types.String `tfsdk:"path"`
	Before    types.String `tfsdk:"before"`
	After     types.String `tfsdk:"after"`
	Unknown   types.Bool   `tfsdk:"unknown"`
	Sensitive types.Bool   `tfsdk:"sensitive"`
	Changed   types.Bool   `tfsdk:"changed"`
}

var changeActions = []string{
	string(release.ChangeCreate), string(release.ChangeUpdate), string(release.ChangeDelete), string(release.ChangeReplace),
	string(release.ChangeRead), string(release.ChangeNoOp), string(release.ChangeForget),
}

var changeKinds = []string{string(release.KindResource), string(release.KindOutput), string(release.KindDrift)}

func (d *releaseChangesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_release_changes"
}

func (d *releaseChangesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.Attribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	boolean := func(desc string) schema.Attribute {
		return schema.BoolAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: fmt.Sprintf("The changes a release planned, one per resource instance, in plan order, "+
			"each with its changed values. Values marked sensitive in the plan are never exposed: such a field has "+
			"`sensitive = true` and null `before` and `after`. Unless `action` is set, `no-op` and `read` changes "+
			"are left out. At most %d changes are read; narrow the filters for larger releases.", maxChanges),
		Attributes: map[string]schema.Attribute{
			"release_id": schema.Int64Attribute{
				MarkdownDescription: "ID of the release.",
				Required:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"kind": schema.StringAttribute{
				MarkdownDescription: "What to list: `resource` changes (the default), `output` changes, or `drift` " +
					"(changes made outside Terraform, found while planning).",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(changeKinds...)},
			},
			"action": schema.StringAttribute{
				MarkdownDescription: "Only changes with this action: one of " + backticked(changeActions) + ".",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(changeActions...)},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Only changes of this resource type, e.g. `aws_instance`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"module": schema.StringAttribute{
				MarkdownDescription: "Only changes in this module, e.g. `module.network`; `root` for the root module.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"address_prefix": schema.StringAttribute{
				MarkdownDescription: "Only changes whose address starts with this, e.g. `module.network.aws_subnet.`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"changes": schema.ListNestedAttribute{
				MarkdownDescription: "The matching changes, in plan order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"address":          str("The resource instance's address, e.g. `module.net.aws_subnet.a[0]`."),
					"previous_address": str("The address before a move; null when it did not move."),
					"module_address":   str("The module's address; null in the root module."),
					"mode":             str("`managed` or `data`."),
					"type":             str("The resource type."),
					"name":             str("The resource name."),
					"index":            str("The instance key as JSON (`0`, `\"a\"`); null for a resource without `count` or `for_each`."),
					"provider":         str("The provider's address."),
					"deposed_key":      str("Set when the change is to a deposed object."),
					"action":           str("One of " + backticked(changeActions) + "."),
					"replace_order":    str("For a replace: `delete-then-create` or `create-then-delete`."),
					"modification":     str("`created`, `updated`, `deleted`, `replaced`, or empty when nothing changes in the infrastructure."),
					"action_reason":    str("Terraform's reason for the action, when it gives one (e.g. `replace_because_cannot_update`)."),
					"import_id":        str("The import ID, when the change imports the resource."),
					"phase":            str("The release phase whose plan holds the change."),
					"fields": schema.ListNestedAttribute{
						MarkdownDescription: "The changed leaf values.",
						Computed:            true,
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"path":      str("Where the value is in the resource, e.g. `tags.env` or `ingress[0].port`."),
							"before":    str("The value before, as JSON; null when there was none or the value is sensitive."),
							"after":     str("The value after, as JSON; null when there is none, it is unknown until apply, or the value is sensitive."),
							"unknown":   boolean("Whether the value after is only known after apply."),
							"sensitive": boolean("Whether the value is sensitive; its values are then never shown."),
							"changed":   boolean("Whether the value changes."),
						}},
					},
				}},
			},
		},
	}
}

func (d *releaseChangesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.configured(&resp.Diagnostics) {
		return
	}
	var cfg releaseChangesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := cfg.ReleaseID.ValueInt64()
	f := client.ChangeFilter{
		Kind:          release.ChangeKind(cfg.Kind.ValueString()),
		Action:        release.ChangeAction(cfg.Action.ValueString()),
		Type:          cfg.Type.ValueString(),
		Module:        cfg.Module.ValueString(),
		AddressPrefix: cfg.AddressPrefix.ValueString(),
	}
	changes, err := d.client.AllChanges(ctx, id, f, maxChanges)
	if err != nil {
		d.addReadError(&resp.Diagnostics, lookup{
			noun: "release", what: fmt.Sprintf("the changes of release %d (%s)", id, f), at: path.Root("release_id"),
			fields: map[string]path.Path{
				"kind": path.Root("kind"), "action": path.Root("action"), "type": path.Root("type"),
				"module": path.Root("module"), "address_prefix": path.Root("address_prefix"),
			},
		}, err)
		return
	}
	cfg.Changes = make([]changeModel, len(changes))
	for i, c := range changes {
		m, err := newChange(c)
		if err != nil {
			resp.Diagnostics.AddError("Cannot encode a change", fmt.Sprintf("Release %d, %s: %v", id, c.Address, err))
			return
		}
		cfg.Changes[i] = m
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

func newChange(c apiwire.Change) (changeModel, error) {
	index, err := jsonValue(c.Index)
	if err != nil {
		return changeModel{}, fmt.Errorf("index: %w", err)
	}
	m := changeModel{
		Address:         types.StringValue(c.Address),
		PreviousAddress: stringPtrValue(c.PreviousAddress),
		ModuleAddress:   stringPtrValue(c.ModuleAddress),
		Mode:            types.StringValue(c.Mode),
		Type:            types.StringValue(c.Type),
		Name:            types.StringValue(c.Name),
		Index:           index,
		Provider:        types.StringValue(c.Provider),
		DeposedKey:      types.StringValue(c.DeposedKey),
		Action:          types.StringValue(string(c.Action)),
		ReplaceOrder:    types.StringValue(string(c.ReplaceOrder)),
		Modification:    types.StringValue(string(c.Modification)),
		ActionReason:    stringPtrValue(c.ActionReason),
		ImportID:        stringPtrValue(c.ImportID),
		Phase:           types.StringValue(c.Phase),
		Fields:          make([]fieldModel, len(c.Fields)),
	}
	for i, f := range c.Fields {
		fm := fieldModel{
			Path:      types.StringValue(f.Path),
			Before:    types.StringNull(),
			After:     types.StringNull(),
			Unknown:   types.BoolValue(f.Unknown),
			Sensitive: types.BoolValue(f.Sensitive),
			Changed:   types.BoolValue(f.Changed),
		}
		// A sensitive value never reaches state, whatever the server sent.
		if !f.Sensitive {
			if fm.Before, err = jsonValue(f.Before); err != nil {
				return changeModel{}, fmt.Errorf("field %s: %w", f.Path, err)
			}
			if !f.Unknown {
				if fm.After, err = jsonValue(f.After); err != nil {
					return changeModel{}, fmt.Errorf("field %s: %w", f.Path, err)
				}
			}
		}
		m.Fields[i] = fm
	}
	return m, nil
}
