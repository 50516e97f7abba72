package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// releaseCoreModel is what both shiplog_release and each item of
// shiplog_releases carry.
type releaseCoreModel struct {
	ID                types.Int64        `tfsdk:"id"`
	Environment       types.String       `tfsdk:"environment"`
	Status            types.String       `tfsdk:"status"`
	Template          types.String       `tfsdk:"template"`
	DeploymentType    types.String       `tfsdk:"deployment_type"`
	Namespace         types.String       `tfsdk:"namespace"`
	TemplateNamespace types.String       `tfsdk:"template_namespace"`
	ReleaseType       types.String       `tfsdk:"release_type"`
	TriggeredBy       types.String       `tfsdk:"triggered_by"`
	CreatedAt         types.String       `tfsdk:"created_at"`
	QueuedAt          types.String       `tfsdk:"queued_at"`
	StartedAt         types.String       `tfsdk:"started_at"`
	FinishedAt        types.String       `tfsdk:"finished_at"`
	DurationMS        types.Int64        `tfsdk:"duration_ms"`
	BlueprintVersion  types.String       `tfsdk:"blueprint_version"`
	Targets           []types.String     `tfsdk:"targets"`
	ErrorLog          types.String       `tfsdk:"error_log"`
	RollbackOf        types.Int64        `tfsdk:"rollback_of"`
	PromotedFrom      types.Int64        `tfsdk:"promoted_from"`
	Summary           *summaryModel      `tfsdk:"summary"`
	Approval          *approvalModel     `tfsdk:"approval"`
	SignOff           *signOffModel      `tfsdk:"sign_off"`
	PolicyChecks      []policyCheckModel `tfsdk:"policy_checks"`
}

type policyCheckModel struct {
	Phase       types.String   `tfsdk:"phase"`
	Policy      types.String   `tfsdk:"policy"`
	Version     types.Int64    `tfsdk:"version"`
	Source      types.String   `tfsdk:"source"`
	Verdict     types.String   `tfsdk:"verdict"`
	Overridable types.Bool     `tfsdk:"overridable"`
	Denials     []types.String `tfsdk:"denials"`
	Warnings    []types.String `tfsdk:"warnings"`
}

type summaryModel struct {
	Create  types.Int64 `tfsdk:"create"`
	Update  types.Int64 `tfsdk:"update"`
	Delete  types.Int64 `tfsdk:"delete"`
	Replace types.Int64 `tfsdk:"replace"`
	Read    types.Int64 `tfsdk:"read"`
	NoOp    types.Int64 `tfsdk:"no_op"`
	Forget  types.Int64 `tfsdk:"forget"`
	Import  types.Int64 `tfsdk:"import"`
	Move    types.Int64 `tfsdk:"move"`
	Total   types.Int64 `tfsdk:"total"`
}

type approvalModel struct {
	Required types.Bool   `tfsdk:"required"`
	By       types.String `tfsdk:"by"`
	At       types.String `tfsdk:"at"`
	Comment  types.String `tfsdk:"comment"`
}

type signOffModel struct {
	Status  types.String `tfsdk:"status"`
	By      types.String `tfsdk:"by"`
	At      types.String `tfsdk:"at"`
	Comment types.String `tfsdk:"comment"`
}

type phaseModel struct {
	Index      types.Int64  `tfsdk:"index"`
	Name       types.String `tfsdk:"name"`
	Action     types.String `tfsdk:"action"`
	Status     types.String `tfsdk:"status"`
	StartedAt  types.String `tfsdk:"started_at"`
	FinishedAt types.String `tfsdk:"finished_at"`
	DurationMS types.Int64  `tfsdk:"duration_ms"`
	Error      types.String `tfsdk:"error"`
}

func newReleaseCore(r *release.Release) releaseCoreModel {
	strs := func(ss []string) []types.String {
		out := make([]types.String, len(ss))
		for i, s := range ss {
			out[i] = types.StringValue(s)
		}
		return out
	}
	targets := strs(r.Targets)
	checks := make([]policyCheckModel, len(r.PolicyChecks))
	for i, c := range r.PolicyChecks {
		checks[i] = policyCheckModel{Phase: types.StringValue(c.Phase), Policy: types.StringValue(c.Policy),
			Version: types.Int64Value(int64(c.Version)), Source: types.StringValue(c.Source), Verdict: types.StringValue(c.Verdict),
			Overridable: types.BoolValue(c.Overridable), Denials: strs(c.Denials), Warnings: strs(c.Warnings)}
	}
	return releaseCoreModel{
		ID:                types.Int64Value(r.ID),
		Environment:       types.StringValue(r.Environment),
		Status:            types.StringValue(string(r.Status)),
		Template:          types.StringValue(r.Template),
		DeploymentType:    types.StringValue(string(r.DeploymentType)),
		Namespace:         types.StringValue(r.Namespace),
		TemplateNamespace: types.StringValue(r.TemplateNamespace),
		ReleaseType:       types.StringValue(string(r.Type)),
		TriggeredBy:       types.StringValue(r.TriggeredBy),
		CreatedAt:         timeValue(&r.CreatedAt),
		QueuedAt:          timeValue(r.QueuedAt),
		StartedAt:         timeValue(r.StartedAt),
		FinishedAt:        timeValue(r.FinishedAt),
		DurationMS:        int64Value(r.DurationMS()),
		BlueprintVersion:  types.StringValue(r.BlueprintVersion),
		Targets:           targets,
		ErrorLog:          types.StringValue(r.ErrorLog),
		RollbackOf:        int64Value(r.RollbackOf),
		PromotedFrom:      int64Value(r.PromotedFrom),
		Summary:           summaryOf(r.Summary),
		Approval: &approvalModel{
			Required: types.BoolValue(r.Approval.Required),
			By:       types.StringValue(r.Approval.By),
			At:       timeValue(r.Approval.At),
			Comment:  types.StringValue(r.Approval.Comment),
		},
		SignOff: &signOffModel{
			Status:  types.StringValue(string(r.SignOff.Status)),
			By:      types.StringValue(r.SignOff.By),
			At:      timeValue(r.SignOff.At),
			Comment: types.StringValue(r.SignOff.Comment),
		},
		PolicyChecks: checks,
	}
}

func newPhases(ps []release.Phase) []phaseModel {
	out := make([]phaseModel, len(ps))
	for i, p := range ps {
		out[i] = phaseModel{
			Index:      types.Int64Value(int64(p.Index)),
			Name:       types.StringValue(p.Name),
			Action:     types.StringValue(string(p.Action)),
			Status:     types.StringValue(string(p.Status)),
			StartedAt:  timeValue(p.StartedAt),
			FinishedAt: timeValue(p.FinishedAt),
			DurationMS: int64Value(p.DurationMS()),
			Error:      types.StringValue(p.Error),
		}
	}
	return out
}

// releaseCoreAttributes describes releaseCoreModel, every attribute computed;
// shiplog_release makes its lookup attributes optional too.
func releaseCoreAttributes() map[string]schema.Attribute {
	str := func(desc string) schema.Attribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	num := func(desc string) schema.Attribute {
		return schema.Int64Attribute{MarkdownDescription: desc, Computed: true}
	}
	return map[string]schema.Attribute{
		"id":          num("The release's ID."),
		"environment": str("The environment the release ran against."),
		"status": str("The release's status: one of `QUEUED`, `IN_PROGRESS`, `PENDING_APPROVAL`, `SUCCEEDED`, `FAILED`, " +
			"`ABORTED`, `REJECTED`, `TIMED_OUT`, `STOPPED`."),
		"template":           str("Name of the release template that gave the release its phases."),
		"deployment_type":    str("Why the release exists: `REGULAR`, `CUSTOM` or `ROLLBACK`."),
		"namespace":          str("The environment's namespace."),
		"template_namespace": str("Namespace of the release template."),
		"release_type":       str("What the release does to infrastructure, from its phases: `PLAN`, `APPLY`, `DESTROY` or `SELECTIVE` (an apply of the release's targets only)."),
		"triggered_by":       str("Who or what created the release."),
		"created_at":         str("When the release was created (RFC 3339)."),
		"queued_at":          str("When the release first entered the queue (RFC 3339), kept when it is queued again after an approval; null if it never did."),
		"started_at":         str("When a worker started the release (RFC 3339); null until then."),
		"finished_at":        str("When the release finished (RFC 3339); null until then."),
		"duration_ms":        num("Time from start to finish in milliseconds; null until the release has finished."),
		"blueprint_version":  str("Version of the environment's Terraform configuration (blueprint) the release ran."),
		"targets": schema.ListAttribute{
			MarkdownDescription: "Resource addresses the release was limited to (`-target`); empty for the whole configuration.",
			ElementType:         types.StringType,
			Computed:            true,
		},
		"error_log":     str("Why the release failed, if it did; empty otherwise."),
		"rollback_of":   num("For a `ROLLBACK` release, the ID of the release it rolls back; null otherwise."),
		"promoted_from": num("For a promotion, the ID of the upstream release whose blueprint and artifacts it runs; null otherwise."),
		"summary": schema.SingleNestedAttribute{
			MarkdownDescription: "Counts of the resource changes the release planned.",
			Computed:            true,
			Attributes: map[string]schema.Attribute{
				"create":  num("Resources created."),
				"update":  num("Resources updated in place."),
				"delete":  num("Resources destroyed."),
				"replace": num("Resources destroyed and re-created."),
				"read":    num("Data sources read during apply."),
				"no_op":   num("Resources left unchanged."),
				"forget":  num("Resources removed from state without being destroyed."),
				"import":  num("Resources imported."),
				"move":    num("Resources moved to a new address."),
				"total":   num("Resources that change in the infrastructure: `create + update + delete + replace`."),
			},
		},
		"approval": schema.SingleNestedAttribute{
			MarkdownDescription: "Whether the release needed approval, and who gave it.",
			Computed:            true,
			Attributes: map[string]schema.Attribute{
				"required": schema.BoolAttribute{MarkdownDescription: "Whether a phase of the release needs approval.", Computed: true},
				"by":       str("Who approved or rejected the release; empty if nobody has."),
				"at":       str("When (RFC 3339); null if nobody has."),
				"comment":  str("The approver's comment."),
			},
		},
		"policy_checks": schema.ListNestedAttribute{
			MarkdownDescription: "Each policy's verdict from the release's `policy` phases (empty when it had none), so HCL can gate on them.",
			Computed:            true,
			NestedObject: schema.NestedAttributeObject{
				Attributes: map[string]schema.Attribute{
					"phase":       str("The policy phase that evaluated it."),
					"policy":      str("The policy's name (`policies/<file>.rego` for one of the configuration's)."),
					"version":     num("The stored policy's version that ran; 0 for one of the configuration's."),
					"source":      str("`configuration` for a policy of the configuration's `policies/` directory; empty for a stored one."),
					"verdict":     str("`pass`, `warn` or `deny`."),
					"overridable": schema.BoolAttribute{MarkdownDescription: "Whether an approval may override its denial.", Computed: true},
					"denials":     schema.ListAttribute{MarkdownDescription: "The messages of its `deny` rules.", ElementType: types.StringType, Computed: true},
					"warnings":    schema.ListAttribute{MarkdownDescription: "The messages of its `warn` rules.", ElementType: types.StringType, Computed: true},
				},
			},
		},
		"sign_off": schema.SingleNestedAttribute{
			MarkdownDescription: "A person's verdict on the finished release.",
			Computed:            true,
			Attributes: map[string]schema.Attribute{
				"status":  str("`APPROVED`, `REJECTED`, or empty when nobody has signed off."),
				"by":      str("Who signed off."),
				"at":      str("When (RFC 3339); null if nobody has."),
				"comment": str("The sign-off comment."),
			},
		},
	}
}

func phasesAttribute() schema.Attribute {
	str := func(desc string) schema.Attribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	return schema.ListNestedAttribute{
		MarkdownDescription: "The release's phases, in the order they run.",
		Computed:            true,
		NestedObject: schema.NestedAttributeObject{
			Attributes: map[string]schema.Attribute{
				"index":       schema.Int64Attribute{MarkdownDescription: "Position of the phase, from 0.", Computed: true},
				"name":        str("The phase's name, from the template."),
				"action":      str("What the phase does: `init`, `migrate`, `plan`, `apply`, `destroy-plan`, `run` or `policy`."),
				"status":      str("`PENDING`, `IN_PROGRESS`, `PENDING_APPROVAL`, `SUCCEEDED`, `FAILED`, `ABORTED`, `TIMED_OUT`, `STOPPED` or `SKIPPED`."),
				"started_at":  str("When the phase started (RFC 3339); null until then."),
				"finished_at": str("When the phase finished (RFC 3339); null until then."),
				"duration_ms": schema.Int64Attribute{MarkdownDescription: "The phase's time taken in milliseconds; null until it has finished.", Computed: true},
				"error":       str("Why the phase failed, if it did."),
			},
		},
	}
}

// summaryOf is a release's change summary, or nil (null) when the release
// never produced a plan.
func summaryOf(sp *release.Summary) *summaryModel {
	if sp == nil {
		return nil
	}
	s := *sp
	return &summaryModel{
		Create:  types.Int64Value(int64(s.Create)),
		Update:  types.Int64Value(int64(s.Update)),
		Delete:  types.Int64Value(int64(s.Delete)),
		Replace: types.Int64Value(int64(s.Replace)),
		Read:    types.Int64Value(int64(s.Read)),
		NoOp:    types.Int64Value(int64(s.NoOp)),
		Forget:  types.Int64Value(int64(s.Forget)),
		Import:  types.Int64Value(int64(s.Import)),
		Move:    types.Int64Value(int64(s.Move)),
		Total:   types.Int64Value(int64(s.Total())),
	}
}
