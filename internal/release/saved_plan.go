package release

import (
	"fmt"
	"time"
)

// This file is the rule for applying a reviewed plan later: a release that
// applies the saved plan of an earlier PLAN release (Release.AppliesPlanOf)
// instead of planning itself.

// DefaultSavedPlanMaxAge is how old a saved plan may be, counted from the
// end of its release, when the server sets no other limit.
const DefaultSavedPlanMaxAge = 24 * time.Hour

// SavedPlan is what the store knows of a release's saved plan and of its
// environment's state now.
type SavedPlan struct {
	// Phase is the phase that saved the plan; SHA256 the plan's checksum.
	Phase  string
	SHA256 string
	// SavedAt is when the plan file was stored.
	SavedAt time.Time
	// AtPlan is the environment's newest state version when the plan was
	// saved, nil when it had none (or its configuration keeps its state
	// elsewhere); Now is the newest state version now.
	AtPlan *StateVersion
	Now    *StateVersion
	// Applies are the releases made to apply this plan (those whose
	// AppliesPlanOf names its release), oldest first. A release checking
	// whether it may run leaves itself out.
	Applies []PlanApply
}

// PlanApply is a release that applies a saved plan, and its status.
type PlanApply struct {
	ID     int64
	Status Status
}

// StateMoved says whether the environment's state changed since the plan
// was saved: another version became the newest (a later apply, a state
// written outside), so terraform would find the plan stale.
func (p SavedPlan) StateMoved() bool {
	switch {
	case p.AtPlan == nil && p.Now == nil:
		return false
	case p.AtPlan == nil || p.Now == nil:
		return true
	}
	return p.AtPlan.ID != p.Now.ID
}

// describe names a state version for a message: serial and lineage.
func describeState(v *StateVersion) string {
	if v == nil {
		return "no state"
	}
	return fmt.Sprintf("serial %d of lineage %s (state version %d)", v.Serial, v.Lineage, v.ID)
}

// MayApplySavedPlan says whether the saved plan of release plan (read with
// saved; nil when it saved none) may be applied at now by a new release,
// and why not: plan must only plan (no apply phase of its own), must have
// SUCCEEDED, must have ended no longer than maxAge ago (0: no limit), must
// not be applied already (an apply of it SUCCEEDED) nor be being applied
// (one has not ended), and its environment's state must not have moved
// since the plan was saved. An apply of it that failed or was stopped
// does not stand in the way: if it changed the state, the plan is stale.
// Every refusal names the release and what to do instead.
func MayApplySavedPlan(plan Release, saved *SavedPlan, now time.Time, maxAge time.Duration) error {
	for _, p := range plan.Phases {
		if p.Action == ActionApply {
			return fmt.Errorf("release %d is of type %s, with an apply phase of its own: only the plan of a release that only plans can be applied later", plan.ID, plan.Type)
		}
	}
	if plan.Status != StatusSucceeded {
		return fmt.Errorf("release %d is %s: only the plan of a SUCCEEDED plan release can be applied; start a new plan", plan.ID, plan.Status)
	}
	if saved == nil {
		return fmt.Errorf("release %d saved no plan file (a plan recorded from elsewhere, or pruned): there is nothing to apply; start a new plan", plan.ID)
	}
	ended := saved.SavedAt
	if plan.FinishedAt != nil {
		ended = *plan.FinishedAt
	}
	if maxAge > 0 && now.Sub(ended) > maxAge {
		return fmt.Errorf("the plan of release %d is %s old, older than the %s a saved plan may be applied within: start a new plan",
			plan.ID, now.Sub(ended).Round(time.Second), maxAge)
	}
	for _, a := range saved.Applies {
		switch {
		case a.Status == StatusSucceeded:
			return fmt.Errorf("the plan of release %d was applied by release %d (SUCCEEDED): a saved plan is applied once; start a new plan", plan.ID, a.ID)
		case !a.Status.Terminal():
			return fmt.Errorf("release %d already applies the plan of release %d (%s): wait for it to end, or abort it to apply the plan again", a.ID, plan.ID, a.Status)
		}
	}
	if saved.StateMoved() {
		return StalePlanError{PlanRelease: plan.ID, Environment: plan.Environment, AtPlan: saved.AtPlan, Now: saved.Now}
	}
	return nil
}

// StalePlanError says the environment's state moved since a plan was saved.
type StalePlanError struct {
	PlanRelease int64
	Environment string
	AtPlan, Now *StateVersion
}

func (e StalePlanError) Error() string {
	by := ""
	if e.Now != nil && e.Now.ReleaseID != nil {
		by = fmt.Sprintf(", written by release %d", *e.Now.ReleaseID)
	}
	return fmt.Sprintf("the plan of release %d is stale: the state of environment %s moved since it was planned (then %s, now %s%s); start a new plan",
		e.PlanRelease, e.Environment, describeState(e.AtPlan), describeState(e.Now), by)
}

// SavedPlanPhases are the phases of a release that applies a saved plan:
// init (the saved plan's configuration, the providers it needs), then apply
// exactly that plan.
func SavedPlanPhases() []Phase {
	return []Phase{
		{Index: 0, Name: "init", Action: ActionInit, Status: PhasePending},
		{Index: 1, Name: "apply", Action: ActionApply, Status: PhasePending},
	}
}

// SavedPlanTemplate is the template name a release that applies a saved plan
// records: no catalog template runs apply without a plan of its own.
const SavedPlanTemplate = "apply-saved-plan"
