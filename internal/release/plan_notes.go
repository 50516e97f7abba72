package release

// PlanNotes is what a plan says beside its changes that a person must see:
// the checks it found failing, the changes it left for a later plan and
// the actions it will invoke (Terraform 1.14). Each list is nil when the
// plan has none. A release keeps the notes of its last plan ingested
// (like its Summary), stored in releases.plan_notes (migration 0011).
type PlanNotes struct {
	FailedChecks      []FailedCheck      `json:"failed_checks,omitempty"`
	DeferredChanges   []DeferredChange   `json:"deferred_changes,omitempty"`
	ActionInvocations []ActionInvocation `json:"action_invocations,omitempty"`
}

// Empty reports whether the plan said none of these things.
func (n PlanNotes) Empty() bool {
	return len(n.FailedChecks) == 0 && len(n.DeferredChanges) == 0 && len(n.ActionInvocations) == 0
}

// DeferredChange is one element of a plan's deferred_changes (Terraform
// 1.10+ with deferred actions): a resource change left for a later plan,
// not part of this apply.
type DeferredChange struct {
	// Address is as the plan writes it; an instance whose key is not yet
	// known ends in [*] (aws_instance.web[*]).
	Address string `json:"address"`
	// Reason is Terraform's: resource_config_unknown,
	// provider_config_unknown, absent_prereq, deferred_prereq.
	Reason string `json:"reason"`
	// Action is what is planned for it so far.
	Action ChangeAction `json:"action"`
}

// FailedCheck is one instance of a checkable object (check block,
// resource or output condition) whose check failed (status "fail") or
// could not be evaluated ("error"): news even in an applyable plan.
type FailedCheck struct {
	// Address is the instance's address as Terraform displays it
	// (check.health, aws_instance.web[0]).
	Address string `json:"address"`
	// Kind is the object's kind: "check", "resource", "output_value".
	Kind string `json:"kind"`
	// Status is "fail" or "error".
	Status string `json:"status"`
	// Problems are the messages of the failed conditions, secrets masked.
	Problems []string `json:"problems"`
}

// ActionInvocation is one element of a plan's action_invocations
// (Terraform 1.14): an action the apply will invoke. It is a change even
// when no resource changes.
type ActionInvocation struct {
	// Address is the action instance's absolute address
	// (action.aws_lambda_invoke.notify).
	Address  string `json:"address"`
	Type     string `json:"type"`
	Name     string `json:"name"`
	Provider string `json:"provider,omitempty"`
	// Trigger says what invokes it: "invoke" (terraform apply -invoke)
	// or the lifecycle event of a resource's action_trigger
	// (before_create, after_update, ...).
	Trigger string `json:"trigger"`
	// Resource is the resource whose lifecycle triggers the action, or
	// that calls an invoked one; empty when none.
	Resource string `json:"resource,omitempty"`
	// OnFailure is what a failed lifecycle action does to the apply
	// (Terraform's on_failure); empty for an invoked action.
	OnFailure string `json:"on_failure,omitempty"`
	// Config is the action's configuration as fields (Before nil),
	// sensitive values masked and unknown ones marked, as a created
	// resource's fields are.
	Config []Field `json:"config"`
}
