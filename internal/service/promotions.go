package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// This file is the use case "promote along a release stream": run
// downstream exactly what a SUCCEEDED release upstream ran.

// PromoteScope is the scope Promote needs (it queues a release).
const PromoteScope = RollbackScope

// Promote queues a release of the environment downstream of release id's
// (req.Environment, or the only one whose upstream is id's environment)
// that runs id's blueprint version (its archive copied downstream), its
// artifacts and its release variables, with req.Template or the
// environment's default template; promoted_from is id. Forbidden without
// viewer (or deployer) on id's environment and deployer on the downstream
// one;
// NotFound; Invalid (field environment or template) when no environment
// or several are downstream, or the one named is not; Conflict, saying
// why and what to do, when release.MayPromote refuses (not a SUCCEEDED
// APPLY with a blueprint, or not signed off APPROVED where the downstream
// environment requires it).
func (s *Service) Promote(ctx context.Context, c Caller, id int64, req apiwire.PromoteRequest) (_ *release.Release, err error) {
	act := &Act{Kind: "release.promote", Detail: fmt.Sprintf("promotes release %d", id)}
	defer s.audit(ctx, c, act, &err)
	up, err := s.store.GetRelease(ctx, id)
	if err != nil {
		return nil, typed(err)
	}
	// reading the upstream release: a viewer there, or a deployer (a
	// write-only token deploys without the read scope)
	if !c.Holds(apiwire.RoleDeployer, up.Environment) {
		if err := c.Authorize(apiwire.RoleViewer, up.Environment, "promoting a release"); err != nil {
			return nil, err
		}
	}
	name := req.Environment
	if name == "" {
		downs, err := s.store.Downstream(ctx, up.Environment)
		if err != nil {
			return nil, err
		}
		switch len(downs) {
		case 0:
			return nil, invalid("environment", "no environment has %s as its upstream: set one's upstream (shiplog env update NAME --upstream %s)", up.Environment, up.Environment)
		case 1:
			name = downs[0]
		default:
			return nil, invalid("environment", "%s is upstream of %s: name the environment to promote to", up.Environment, strings.Join(downs, ", "))
		}
	}
	act.Environment = name
	if err := c.Authorize(apiwire.RoleDeployer, name, "promoting a release"); err != nil {
		return nil, err
	}
	down, err := s.store.GetEnvironment(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalid("environment", "environment %q does not exist", name)
	}
	if err != nil {
		return nil, typed(err)
	}
	if err := release.MayPromote(*up, *down); err != nil {
		return nil, &Error{Kind: Conflict, Message: err.Error(), Err: err}
	}
	tname := req.Template
	if tname == "" {
		tname = down.DefaultTemplate
	}
	t, err := s.Template(tname, down.Namespace)
	if err != nil {
		return nil, invalid("template", "%s", err.Error())
	}
	if err := t.CheckRelease(nil); err != nil {
		return nil, invalid("template", "%s", err.Error())
	}
	if err := s.bringDown(ctx, up.Environment, down.Name, up.BlueprintVersion); err != nil {
		return nil, err
	}
	vars, err := s.store.ReleaseVariables(ctx, id)
	if err != nil {
		return nil, typed(err)
	}
	phases := t.Phases()
	rel := &release.Release{
		Environment:       down.Name,
		Namespace:         down.Namespace,
		Template:          t.Name(),
		TemplateNamespace: t.Namespace(),
		Phases:            phases,
		Type:              t.Type(),
		DeploymentType:    release.DeploymentRegular,
		TriggeredBy:       c.Name,
		BlueprintVersion:  up.BlueprintVersion,
		Approval:          release.Approval{Required: release.NeedsApproval(down, phases)},
		Artifacts:         append([]release.Artifact(nil), up.Artifacts...),
		Variables:         vars,
		PromotedFrom:      &id,
	}
	if err := s.store.CreateRelease(ctx, rel); err != nil {
		return nil, typed(err)
	}
	act.Release = rel.ID
	act.Detail = fmt.Sprintf("promotes release %d of %s (blueprint %s)", id, up.Environment, up.BlueprintVersion)
	s.log.Info("promotion queued", "release", rel.ID, "environment", down.Name, "promoted_from", id, "upstream", up.Environment, "by", c.Name)
	s.touched(id)
	return s.reread(ctx, rel)
}

// checkUpstreamSignOff refuses a release of env, which requires upstream
// sign-off, unless blueprint version and artifacts arts are those of a
// SUCCEEDED release of env's upstream signed off APPROVED; it then copies
// that blueprint to env (store.CopyBlueprint), so the release runs exactly
// the upstream's archive. The Conflict names the upstream release to sign
// off.
func (s *Service) checkUpstreamSignOff(ctx context.Context, env *release.Environment, version string, arts []release.Artifact) error {
	need := &release.SignOffNeededError{Environment: env.Name, Upstream: env.Upstream, Blueprint: version}
	if version != "" {
		approved, newest, err := s.store.UpstreamRuns(ctx, env.Upstream, version, release.ArtifactIDs(arts))
		if err != nil {
			return err
		}
		if approved.ID != 0 {
			// the release runs what was signed off: the upstream's archive
			// of that version, never the environment's own source under
			// its name (a version held with other content is a conflict)
			return s.bringDown(ctx, env.Upstream, env.Name, version)
		}
		need.Release, need.SignOff = newest.ID, newest.SignOff
	}
	return &Error{Kind: Conflict, Message: need.Error(), Err: need}
}

// Unpromoted lists what is upstream of environment name and not promoted
// yet (store.ListUnpromoted), at most 50, newest first; an environment
// without upstream has an empty list. Forbidden without viewer on name
// and on its upstream; NotFound.
func (s *Service) Unpromoted(ctx context.Context, c Caller, name string) (*apiwire.Unpromoted, error) {
	if err := c.Authorize(apiwire.RoleViewer, name, "reading what is not promoted"); err != nil {
		return nil, err
	}
	env, err := s.store.GetEnvironment(ctx, name)
	if err != nil {
		return nil, typed(err)
	}
	out := &apiwire.Unpromoted{Environment: name, Upstream: env.Upstream, RequireUpstreamSignOff: env.RequireUpstreamSignOff,
		Releases: []apiwire.UnpromotedRelease{}}
	if env.Upstream == "" {
		return out, nil
	}
	if err := c.Authorize(apiwire.RoleViewer, env.Upstream, "reading what is not promoted"); err != nil {
		return nil, err
	}
	rs, err := s.store.ListUnpromoted(ctx, name, 50)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		out.Releases = append(out.Releases, apiwire.UnpromotedRelease{ID: r.ID, BlueprintVersion: r.BlueprintVersion, FinishedAt: r.FinishedAt,
			TriggeredBy: r.TriggeredBy, SignOff: r.SignOff, SignOffBy: r.SignOffBy, Promotion: r.Promotion, PromotionStatus: r.PromotionStatus,
			Promotable: !env.RequireUpstreamSignOff || r.SignOff == release.SignOffApproved})
	}
	return out, nil
}

// planUpstreamBlueprint makes a PLAN release of env, which requires
// upstream sign-off, plan what the upstream ran when it names a version
// the upstream holds: that archive is copied to env, as a promotion does.
func (s *Service) planUpstreamBlueprint(ctx context.Context, env *release.Environment, version string) error {
	held, err := s.store.BlueprintExists(ctx, env.Upstream, version)
	if err != nil || !held {
		return err
	}
	return s.bringDown(ctx, env.Upstream, env.Name, version)
}

// bringDown copies blueprint version from environment up to its
// downstream down (store.CopyBlueprint), so that a release of down runs
// exactly the archive up ran; a label down already holds with other
// content is a Conflict (labelTaken).
func (s *Service) bringDown(ctx context.Context, up, down, version string) error {
	if err := s.store.CopyBlueprint(ctx, up, down, version); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return labelTaken(down, up, version)
		}
		return typed(err)
	}
	return nil
}

// labelTaken is the Conflict of a version label down already holds with
// other content than up's: a label names one configuration per
// environment, so up's cannot come down under it.
func labelTaken(down, up, version string) *Error {
	return conflict("environment %s already holds its own configuration under blueprint %s, and %s ran other files under that name: "+
		"a label names one configuration in each environment, so this one cannot come down. Release %s without --blueprint-version "+
		"(its content version, sha256:…), sign that off and promote it; avoid reusing labels across a stream", down, version, up, up)
}
