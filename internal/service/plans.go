package service

import (
	"context"
	"slices"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/blueprint"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// PlanScope is the scope attaching or recording a plan needs.
const PlanScope = apiwire.ScopeWrite

// Plan is a plan made elsewhere (`terraform show -json` of a saved plan):
// its resource changes in order, then io.EOF; after that, Errored says
// whether Terraform marked it errored (it could not complete it).
type Plan interface {
	store.NotedSource
	Errored() bool
}

// OpenPlan starts reading a plan. The use cases call it only once the
// request is known to be acceptable, so a refused one reads no body.
type OpenPlan func() (Plan, error)

// isPlan reports whether a phase makes a plan.
func isPlan(p release.Phase) bool {
	return p.Action == release.ActionPlan || p.Action == release.ActionDestroyPlan
}

// IngestPlan makes plan the changes of phase (default "plan") of release
// id, replacing what that phase recorded, and returns the release's new
// summary. Forbidden without the deployer role on its environment; NotFound for an unknown release;
// Invalid (field "phase") when the release has no such phase; the store's
// *store.IngestRefusedError (a conflict) when the phase ran in shiplog;
// errors of reading plan pass unchanged (a *plan.Error names what was
// wrong with it).
func (s *Service) IngestPlan(ctx context.Context, c Caller, id int64, phase string, open OpenPlan) (_ release.Summary, err error) {
	act := &Act{Kind: "plan.ingest", Release: id, Detail: phase}
	defer s.audit(ctx, c, act, &err)
	if phase == "" {
		phase = "plan"
	}
	rel, err := s.store.GetRelease(ctx, id)
	if err != nil {
		return release.Summary{}, typed(err)
	}
	act.Environment = rel.Environment
	if err := c.Authorize(apiwire.RoleDeployer, rel.Environment, "attaching a plan to a release"); err != nil {
		return release.Summary{}, err
	}
	if !slices.ContainsFunc(rel.Phases, func(p release.Phase) bool { return p.Name == phase }) {
		return release.Summary{}, invalid("phase", "release %d has no phase %q", id, phase)
	}
	p, err := open()
	if err != nil {
		return release.Summary{}, err
	}
	sum, err := s.store.IngestPlan(ctx, id, phase, p)
	if err != nil {
		return release.Summary{}, typed(err)
	}
	s.touched(id)
	s.log.Info("plan ingested", "release", id, "phase", phase, "by", c.Name)
	return sum, nil
}

// PlanRecording asks to record a plan made elsewhere as a release of its
// own: of Environment, with Template (default full-plan) whose plan phase
// Phase (default its first) the plan belongs to.
type PlanRecording struct {
	Environment      string
	Template         string
	Phase            string
	BlueprintVersion string
}

// RecordPlan stores plan as a finished release of req.Environment: the
// plan phase ends as the plan did (FAILED for one Terraform marked
// errored), every other phase SKIPPED. It returns the release as stored.
// Forbidden without the deployer role on req.Environment; NotFound for an
// unknown environment;
// Invalid naming template or phase; errors of reading plan pass
// unchanged.
func (s *Service) RecordPlan(ctx context.Context, c Caller, req PlanRecording, open OpenPlan) (_ *release.Release, err error) {
	act := &Act{Kind: "plan.record", Environment: req.Environment, Detail: req.Template}
	defer s.audit(ctx, c, act, &err)
	if err := c.Authorize(apiwire.RoleDeployer, req.Environment, "recording a plan"); err != nil {
		return nil, err
	}
	env, err := s.store.GetEnvironment(ctx, req.Environment)
	if err != nil {
		return nil, typed(err)
	}
	name := req.Template
	if name == "" {
		name = "full-plan"
	}
	t, err := s.Template(name, env.Namespace)
	if err != nil {
		return nil, invalid("template", "%s", err.Error())
	}
	if err := blueprint.CheckVersion(req.BlueprintVersion); err != nil {
		return nil, invalid("blueprint_version", "%s", err.Error())
	}
	phases := t.Phases()
	phase := req.Phase
	if phase == "" {
		if i := slices.IndexFunc(phases, isPlan); i >= 0 {
			phase = phases[i].Name
		}
	}
	if i := slices.IndexFunc(phases, func(p release.Phase) bool { return p.Name == phase }); i < 0 || !isPlan(phases[i]) {
		return nil, invalid("phase", "template %s has no plan phase named %q", t, phase)
	}
	p, err := open()
	if err != nil {
		return nil, err
	}
	rel, err := s.store.RecordPlan(ctx, store.PlanRecord{
		Release: &release.Release{
			Environment: env.Name, Namespace: env.Namespace, Template: t.Name(), TemplateNamespace: t.Namespace(),
			Phases: phases, TriggeredBy: c.Name, BlueprintVersion: req.BlueprintVersion,
		},
		Phase:   phase,
		Changes: p,
		Outcome: func() (release.Status, string) {
			if p.Errored() {
				return release.StatusFailed, "terraform could not complete this plan (it is marked errored)"
			}
			return release.StatusSucceeded, ""
		},
	})
	if err != nil {
		return nil, typed(err)
	}
	act.Release = rel.ID
	s.log.Info("plan recorded", "release", rel.ID, "environment", env.Name, "by", c.Name)
	return rel, nil
}
