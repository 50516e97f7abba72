// Package release is shiplog's domain: releases, their phases, resource
// changes, artifacts, resource status, log entries and environments, and the
// status machine that governs a release. It does no I/O.
package release

import (
	"fmt"
	"time"
)

// Type says what a release does to infrastructure; it follows from the
// actions of its template's phases.
type Type string

const (
	TypePlan    Type = "PLAN"
	TypeApply   Type = "APPLY"
	TypeDestroy Type = "DESTROY"
	// TypeSelective applies only the release's targets (named resources
	// or modules, terraform -target): the rest of the configuration is
	// neither planned nor applied.
	TypeSelective Type = "SELECTIVE"
	// TypeUnlock is an admin's release of a stuck state lock, recorded
	// finished (Release.Unlock); it runs nothing.
	TypeUnlock Type = "UNLOCK"
)

// Types lists every release type.
var Types = []Type{TypePlan, TypeApply, TypeDestroy, TypeSelective, TypeUnlock}

// DeploymentType says why a release exists.
type DeploymentType string

const (
	DeploymentRegular  DeploymentType = "REGULAR"
	DeploymentCustom   DeploymentType = "CUSTOM"
	DeploymentRollback DeploymentType = "ROLLBACK"
)

// ParseDeploymentType accepts REGULAR, CUSTOM or ROLLBACK ("" means REGULAR).
func ParseDeploymentType(s string) (DeploymentType, error) {
	switch DeploymentType(s) {
	case "":
		return DeploymentRegular, nil
	case DeploymentRegular, DeploymentCustom, DeploymentRollback:
		return DeploymentType(s), nil
	}
	return "", fmt.Errorf("unknown deployment type %q (want REGULAR, CUSTOM or ROLLBACK)", s)
}

// ParseType accepts PLAN, APPLY, DESTROY or SELECTIVE.
func ParseType(s string) (Type, error) {
	switch Type(s) {
	case TypePlan, TypeApply, TypeDestroy, TypeSelective, TypeUnlock:
		return Type(s), nil
	}
	return "", fmt.Errorf("unknown release type %q (want PLAN, APPLY, DESTROY, SELECTIVE or UNLOCK)", s)
}

// Action is what a phase does.
type Action string

const (
	ActionInit        Action = "init"
	ActionMigrate     Action = "migrate"
	ActionPlan        Action = "plan"
	ActionApply       Action = "apply"
	ActionDestroyPlan Action = "destroy-plan"
	ActionRun         Action = "run"
	// ActionPolicy evaluates the stored policies that apply to the
	// environment over the plan of the plan phase before it.
	ActionPolicy Action = "policy"
)

// Actions lists every phase action.
var Actions = []Action{ActionInit, ActionMigrate, ActionPlan, ActionApply, ActionDestroyPlan, ActionRun, ActionPolicy}

// PhaseStatus is where one phase of a release is.
type PhaseStatus string

const (
	PhasePending         PhaseStatus = "PENDING"
	PhaseInProgress      PhaseStatus = "IN_PROGRESS"
	PhasePendingApproval PhaseStatus = "PENDING_APPROVAL"
	PhaseSucceeded       PhaseStatus = "SUCCEEDED"
	PhaseFailed          PhaseStatus = "FAILED"
	PhaseAborted         PhaseStatus = "ABORTED"
	PhaseTimedOut        PhaseStatus = "TIMED_OUT"
	PhaseStopped         PhaseStatus = "STOPPED"
	PhaseSkipped         PhaseStatus = "SKIPPED"
)

// Phase is one step of a release, copied from its template when the release
// is created so that later template edits do not rewrite history.
type Phase struct {
	Index      int            `json:"index"`
	Name       string         `json:"name"`
	Action     Action         `json:"action"`
	Options    PhaseOptions   `json:"options"`
	Status     PhaseStatus    `json:"status"`
	StartedAt  *time.Time     `json:"started_at"`
	FinishedAt *time.Time     `json:"finished_at"`
	Duration   *time.Duration `json:"-"`
	Error      string         `json:"error,omitempty"`
}

// DurationMS is the phase's time taken in milliseconds, if it has finished.
func (p Phase) DurationMS() *int64 { return durationMS(p.Duration) }

// PhaseOptions are the per-phase settings a template may give.
type PhaseOptions struct {
	// TargetsFromRelease limits plan/apply to the release's targets.
	TargetsFromRelease bool `json:"targets_from_release,omitempty"`
	// Refresh, when set, overrides terraform's default refresh behaviour.
	Refresh *bool `json:"refresh,omitempty"`
	// Parallelism, when non-zero, is passed to terraform.
	Parallelism int `json:"parallelism,omitempty"`
	// Timeout bounds the phase; zero means the environment's default.
	Timeout time.Duration `json:"timeout,omitempty"`
	// ApprovalRequired stops the release before this phase until approved.
	ApprovalRequired bool `json:"approval_required,omitempty"`
	// Command and Args are what a run phase executes.
	Command string   `json:"command,omitempty"`
	Args    []string `json:"args,omitempty"`
}

// Approval records whether and how a release was approved.
type Approval struct {
	Required bool       `json:"required"`
	By       string     `json:"by,omitempty"`
	At       *time.Time `json:"at,omitempty"`
	Comment  string     `json:"comment,omitempty"`
}

// SignOffStatus is the outcome of a post-release sign-off.
type SignOffStatus string

const (
	SignOffNone     SignOffStatus = ""
	SignOffApproved SignOffStatus = "APPROVED"
	SignOffRejected SignOffStatus = "REJECTED"
)

// SignOff records a person's verdict on a finished release.
type SignOff struct {
	Status  SignOffStatus `json:"status,omitempty"`
	By      string        `json:"by,omitempty"`
	At      *time.Time    `json:"at,omitempty"`
	Comment string        `json:"comment,omitempty"`
}

// Release is one run of a template against an environment, and everything
// recorded about it.
type Release struct {
	ID                int64          `json:"id"`
	Environment       string         `json:"environment"`
	Namespace         string         `json:"namespace"`
	Template          string         `json:"template"`
	TemplateNamespace string         `json:"template_namespace"`
	Phases            []Phase        `json:"phases"`
	Type              Type           `json:"release_type"`
	DeploymentType    DeploymentType `json:"deployment_type"`
	Status            Status         `json:"status"`
	TriggeredBy       string         `json:"triggered_by"`
	CreatedAt         time.Time      `json:"created_at"`
	QueuedAt          *time.Time     `json:"queued_at"`
	StartedAt         *time.Time     `json:"started_at"`
	FinishedAt        *time.Time     `json:"finished_at"`
	BlueprintVersion  string         `json:"blueprint_version"`
	// SourceCommit is the git commit (full SHA) the blueprint was taken
	// from, for an environment whose source is git.
	SourceCommit string   `json:"source_commit,omitempty"`
	Targets      []string `json:"targets"`
	ErrorLog     string   `json:"error_log"`
	Approval     Approval `json:"approval"`
	SignOff      SignOff  `json:"sign_off"`
	// Summary counts the changes of the release's plan; nil (JSON null)
	// when the release never produced a plan.
	Summary *Summary `json:"summary"`
	// PlanNotes are the failed checks, deferred changes and action
	// invocations of the release's plan, as members of the release
	// (failed_checks, deferred_changes, action_invocations; left out
	// when empty).
	PlanNotes
	// PolicyChecks are the verdicts of its policy phases (left out when
	// it had none).
	PolicyChecks []PolicyCheck `json:"policy_checks,omitempty"`
	Artifacts    []Artifact    `json:"artifacts"`
	// Variables are input variables for terraform; sensitive ones are
	// never returned by the store once written.
	Variables         []Variable         `json:"variables,omitempty"`
	MigrationScripts  []MigrationScript  `json:"migration_scripts,omitempty"`
	MigrationOutcomes []MigrationOutcome `json:"migration_outcomes,omitempty"`
	RollbackOf        *int64             `json:"rollback_of,omitempty"`
	// ExternalKey is the idempotency key the release was created with (a
	// Kubernetes Release's UID), unique among releases; empty when none.
	ExternalKey string `json:"-"`
	// AppliesPlanOf is the PLAN release whose saved plan this release
	// applies (instead of planning itself); PlanAppliedBy lists, on a PLAN
	// release, the releases made to apply its plan, oldest first.
	AppliesPlanOf *int64 `json:"applies_plan_of,omitempty"`
	// PromotedFrom is the upstream release this one promotes: it runs
	// that release's blueprint version and artifacts. PromotedTo lists,
	// on an upstream release, the releases that promoted it, oldest first.
	PromotedFrom *int64  `json:"promoted_from,omitempty"`
	PromotedTo   []int64 `json:"promoted_to,omitempty"`
	// Unlock is, on an UNLOCK release, the state lock it released and why.
	Unlock         *StateUnlock  `json:"unlock,omitempty"`
	PlanAppliedBy  []int64       `json:"plan_applied_by,omitempty"`
	AbortRequested *AbortRequest `json:"abort_requested,omitempty"`
}

// AbortRequest is a stored request to abort a running release; a worker that
// restarts still honours it.
type AbortRequest struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// Duration is the release's time taken, from start to finish (or nil).
func (r Release) Duration() *time.Duration {
	if r.StartedAt == nil || r.FinishedAt == nil {
		return nil
	}
	d := r.FinishedAt.Sub(*r.StartedAt)
	return &d
}

// DurationMS is Duration in milliseconds.
func (r Release) DurationMS() *int64 { return durationMS(r.Duration()) }

func durationMS(d *time.Duration) *int64 {
	if d == nil {
		return nil
	}
	ms := d.Milliseconds()
	return &ms
}

// TypeOf derives a release's type from its phases: a destroy plan makes it
// DESTROY, an apply of a plan limited to the release's targets SELECTIVE,
// another apply APPLY, otherwise it only plans.
func TypeOf(phases []Phase) Type {
	t := TypePlan
	targeted := false
	for _, p := range phases {
		switch p.Action {
		case ActionDestroyPlan:
			return TypeDestroy
		case ActionPlan:
			targeted = p.Options.TargetsFromRelease
		case ActionApply:
			if targeted {
				t = TypeSelective
			} else if t != TypeSelective {
				t = TypeApply
			}
		}
	}
	return t
}

// MigrationScript is a list of state operations run by a migrate phase, one
// per line: "state mv FROM TO", "state rm ADDR", "import ADDR ID".
type MigrationScript struct {
	Name   string `json:"name"`
	Script string `json:"script"`
}

// MigrationOutcome is what happened to one script.
type MigrationOutcome struct {
	Name   string `json:"name"`
	Status string `json:"status"` // SUCCEEDED or FAILED
	Error  string `json:"error,omitempty"`
}

func msToDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }
