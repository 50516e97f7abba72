package service

import (
	"context"
	"fmt"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file is the use case "apply a reviewed plan later": a new release
// that applies exactly the plan an earlier PLAN release saved.

// ApplyPlanScope is the scope ApplySavedPlan needs (it queues a release).
const ApplyPlanScope = RollbackScope

type savedPlanSettings struct {
	maxAge time.Duration
	now    func() time.Time
}

func defaultSavedPlanSettings() savedPlanSettings {
	return savedPlanSettings{maxAge: release.DefaultSavedPlanMaxAge, now: time.Now}
}

// SetSavedPlanMaxAge sets how long after its release ended a saved plan may
// still be applied (0: no limit; release.DefaultSavedPlanMaxAge unless set).
// Set it before use.
func (s *Service) SetSavedPlanMaxAge(d time.Duration) { s.savedPlans.maxAge = d }

// SavedPlanMaxAge is how long after its release ended a saved plan may
// still be applied (0: no limit).
func (s *Service) SavedPlanMaxAge() time.Duration { return s.savedPlans.maxAge }

// SetClock replaces the clock the use cases read (a saved plan's age, a
// schedule's first run; tests). Set it before use.
func (s *Service) SetClock(now func() time.Time) { s.savedPlans.now = now }

// ApplySavedPlan queues a release that applies exactly the plan release
// planID saved: phases init and apply (release.SavedPlanPhases), the plan
// release's blueprint version, targets and artifacts, its changes and
// summary copied so the new release shows what it will apply, and
// applies_plan_of = planID. Forbidden without the deployer role on its
// environment; NotFound;
// Conflict (the message says why and what to do) when
// release.MayApplySavedPlan refuses: planID is not a SUCCEEDED release that
// only plans, saved no plan, ended longer than the maximum age ago, or its
// environment's state moved since the plan. The worker checks the state
// again before terraform runs.
func (s *Service) ApplySavedPlan(ctx context.Context, c Caller, planID int64) (_ *release.Release, err error) {
	act := &Act{Kind: "release.apply_plan", Release: planID, Detail: fmt.Sprintf("applies the plan of release %d", planID)}
	defer s.audit(ctx, c, act, &err)
	plan, err := s.store.GetRelease(ctx, planID)
	if err != nil {
		return nil, typed(err)
	}
	act.Environment = plan.Environment
	if err := c.Authorize(apiwire.RoleDeployer, plan.Environment, "applying a saved plan"); err != nil {
		return nil, err
	}
	saved, err := s.store.SavedPlan(ctx, planID)
	if err != nil {
		return nil, err
	}
	if err := release.MayApplySavedPlan(*plan, saved, s.savedPlans.now(), s.savedPlans.maxAge); err != nil {
		return nil, &Error{Kind: Conflict, Message: err.Error(), Err: err}
	}
	env, err := s.store.GetEnvironment(ctx, plan.Environment)
	if err != nil {
		return nil, typed(err)
	}
	phases := release.SavedPlanPhases()
	typ := release.TypeApply
	if plan.Type == release.TypeDestroy {
		typ = release.TypeDestroy
	}
	if env.RequireUpstreamSignOff && release.GatedBySignOff(typ, release.DeploymentRegular) {
		if err := s.checkUpstreamSignOff(ctx, env, plan.BlueprintVersion, plan.Artifacts); err != nil {
			return nil, err
		}
	}
	rel := &release.Release{
		Environment:       env.Name,
		Namespace:         env.Namespace,
		Template:          release.SavedPlanTemplate,
		TemplateNamespace: plan.TemplateNamespace,
		Phases:            phases,
		Type:              typ,
		DeploymentType:    release.DeploymentRegular,
		TriggeredBy:       c.Name,
		BlueprintVersion:  plan.BlueprintVersion,
		Targets:           plan.Targets,
		Approval:          release.Approval{Required: release.NeedsApproval(env, phases)},
		Artifacts:         append([]release.Artifact(nil), plan.Artifacts...),
		AppliesPlanOf:     &planID,
	}
	if err := s.store.CreateRelease(ctx, rel); err != nil {
		return nil, typed(err)
	}
	s.log.Info("saved plan apply queued", "release", rel.ID, "applies_plan_of", planID, "by", c.Name)
	s.touched(planID)
	return s.reread(ctx, rel)
}

// reread returns the release as the store has it now (changes' summary
// included), or rel when it cannot be read.
func (s *Service) reread(ctx context.Context, rel *release.Release) (*release.Release, error) {
	if got, err := s.store.GetRelease(ctx, rel.ID); err == nil {
		return got, nil
	}
	return rel, nil
}
