package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/blueprint"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// CreateScope is the scope creating a release needs.
const CreateScope = apiwire.ScopeWrite

// NewRelease asks for a release: the API's request body, plus what a
// caller that is not the API may add.
type NewRelease struct {
	apiwire.CreateReleaseRequest
	// Namespace is the Kubernetes namespace the release runs in (a Release
	// custom resource's); empty means the environment's. A bare template
	// name is looked for in it first.
	Namespace string
	// Key makes the request idempotent: at most one release is ever made
	// per non-empty Key, however often and however concurrently it is
	// asked for (a controller uses a custom resource's UID). Up to 253
	// bytes.
	Key string
}

// CreateRelease checks req against its environment, the template catalog
// and the stored artifacts and blueprints, and queues the release, its
// phases copied from the template (later edits of the template do not
// change it) and its sensitive variables sealed, in one transaction. It
// returns the release as stored and whether this call created it: false
// when a release with req.Key exists already (that one is returned, and
// nothing in req is checked against it). Forbidden without the deployer
// role on req.Environment;
// Invalid naming the field (environment, template, targets, artifacts[i],
// variables, migration_scripts, blueprint_version, key); Conflict when
// the environment requires upstream sign-off and what the release carries
// was not signed off upstream (the message names the release to sign off).
func (s *Service) CreateRelease(ctx context.Context, c Caller, req NewRelease) (_ *release.Release, _ bool, err error) {
	act := &Act{Kind: "release.create", Environment: req.Environment, Detail: req.Template}
	defer s.audit(ctx, c, act, &err)
	if err := c.Authorize(apiwire.RoleDeployer, req.Environment, "creating a release"); err != nil {
		return nil, false, err
	}
	if len(req.Key) > 253 {
		return nil, false, invalid("key", "an idempotency key is at most 253 bytes, not %d", len(req.Key))
	}
	if req.Key != "" {
		if prior, err := s.store.ReleaseByKey(ctx, req.Key); err == nil {
			act.Release, act.Detail = prior.ID, act.Detail+" (the release of key "+req.Key+" already existed)"
			return prior, false, nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, false, typed(err)
		}
	}
	rel, err := s.releaseOf(ctx, c, req)
	if err != nil {
		return nil, false, err
	}
	created := true
	if err := s.store.CreateRelease(ctx, rel); err != nil {
		var taken *store.KeyTakenError
		if !errors.As(err, &taken) {
			return nil, false, typed(err)
		}
		// a concurrent request with the same key made it first
		rel.ID, created = taken.ID, false
	}
	act.Release = rel.ID
	if !created {
		act.Detail += " (the release of key " + req.Key + " already existed)"
	}
	stored, err := s.store.GetRelease(ctx, rel.ID)
	if err != nil {
		return nil, false, typed(err)
	}
	if created {
		s.log.Info("release queued", "release", rel.ID, "environment", rel.Environment, "template", rel.Template, "by", c.Name)
	}
	return stored, created, nil
}

// releaseOf builds the release req asks for, checking each field.
func (s *Service) releaseOf(ctx context.Context, c Caller, req NewRelease) (*release.Release, error) {
	if req.Environment == "" {
		return nil, invalid("environment", "environment is required")
	}
	env, err := s.store.GetEnvironment(ctx, req.Environment)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalid("environment", "environment %q does not exist", req.Environment)
	}
	if err != nil {
		return nil, typed(err)
	}
	dt, err := release.ParseDeploymentType(string(req.DeploymentType))
	if err != nil {
		return nil, invalid("deployment_type", "%s", err.Error())
	}
	if dt == release.DeploymentRollback {
		return nil, invalid("deployment_type", "ROLLBACK releases are made with POST /api/v1/releases/{id}/rollback")
	}
	ns := req.Namespace
	if ns == "" {
		ns = env.Namespace
	}
	name := req.Template
	if name == "" {
		name = env.DefaultTemplate
	}
	t, err := s.Template(name, ns)
	if err != nil {
		return nil, invalid("template", "%s", err.Error())
	}
	for i, target := range req.Targets {
		if strings.TrimSpace(target) == "" {
			return nil, invalid("targets", "target %d is empty", i)
		}
	}
	if err := t.CheckRelease(req.Targets); err != nil {
		return nil, invalid("targets", "%s", err.Error())
	}
	arts, err := s.artifactsOf(ctx, req.Artifacts)
	if err != nil {
		return nil, err
	}
	if err := release.CheckVariables(req.Variables); err != nil {
		return nil, invalid("variables", "%s", err.Error())
	}
	scripts := map[string]bool{}
	for i, m := range req.MigrationScripts {
		if m.Name == "" {
			return nil, invalid("migration_scripts", "migration script %d has no name", i)
		}
		if scripts[m.Name] {
			return nil, invalid("migration_scripts", "migration script %q is given twice", m.Name)
		}
		scripts[m.Name] = true
	}
	if err := blueprint.CheckVersion(req.BlueprintVersion); err != nil {
		return nil, invalid("blueprint_version", "%s", err.Error())
	}
	version, err := s.blueprintOf(ctx, env, req.BlueprintVersion)
	if err != nil {
		return nil, err
	}
	switch {
	case env.RequireUpstreamSignOff && release.GatedBySignOff(t.Type(), dt):
		if err := s.checkUpstreamSignOff(ctx, env, version, arts); err != nil {
			return nil, err
		}
	case env.RequireUpstreamSignOff && version != "":
		if err := s.planUpstreamBlueprint(ctx, env, version); err != nil {
			return nil, err
		}
	}
	phases := t.Phases()
	return &release.Release{
		Environment:       env.Name,
		Namespace:         ns,
		Template:          t.Name(),
		TemplateNamespace: t.Namespace(),
		Phases:            phases,
		Type:              t.Type(),
		DeploymentType:    dt,
		TriggeredBy:       c.Name,
		BlueprintVersion:  version,
		Targets:           req.Targets,
		Approval:          release.Approval{Required: release.NeedsApproval(env, phases)},
		Artifacts:         arts,
		Variables:         req.Variables,
		MigrationScripts:  req.MigrationScripts,
		ExternalKey:       req.Key,
	}, nil
}

// artifactsOf checks the artifacts of a request: an existing one by id
// alone (with deploys_to), or a new one with its URI.
func (s *Service) artifactsOf(ctx context.Context, in []apiwire.ArtifactRef) ([]release.Artifact, error) {
	var arts []release.Artifact
	for i, a := range in {
		field := fmt.Sprintf("artifacts[%d]", i)
		for j, d := range a.DeploysTo {
			if strings.TrimSpace(d) == "" {
				return nil, invalid(fmt.Sprintf("%s.deploys_to[%d]", field, j), "an empty address or module prefix links nothing")
			}
		}
		if a.ID != 0 {
			if a.URI != "" || a.BuildID != "" || a.StackName != "" || a.AppName != "" || a.RegistrationMetadata != nil {
				return nil, invalid(field, "give an existing artifact's id alone (with deploys_to if you like), or a new artifact without id")
			}
			stored, err := s.store.GetArtifact(ctx, a.ID)
			if errors.Is(err, store.ErrNotFound) {
				return nil, invalid(field+".id", "artifact %d does not exist", a.ID)
			}
			if err != nil {
				return nil, typed(err)
			}
			stored.DeploysTo = a.DeploysTo
			arts = append(arts, stored)
			continue
		}
		if a.URI == "" {
			return nil, invalid(field+".artifact_uri", "a new artifact needs artifact_uri (or give an existing one's id)")
		}
		arts = append(arts, release.Artifact{URI: a.URI, BuildID: a.BuildID, StackName: a.StackName, AppName: a.AppName,
			RegistrationMetadata: a.RegistrationMetadata, DeploysTo: a.DeploysTo})
	}
	return arts, nil
}

// blueprintOf is the blueprint version a new release of env runs: the one
// it names (which, for an upload source, must have been pushed), or, for
// an upload source, the newest upload.
func (s *Service) blueprintOf(ctx context.Context, env *release.Environment, named string) (string, error) {
	if env.Source.Kind != release.SourceUpload {
		return named, nil
	}
	if named == "" {
		v, err := s.store.LatestUpload(ctx, env.Name)
		if errors.Is(err, store.ErrNotFound) {
			return "", invalid("blueprint_version", "environment %q has no uploaded configuration yet: push one (shiplog env push %s DIR)", env.Name, env.Name)
		}
		return v, typed(err)
	}
	ok, err := s.store.BlueprintExists(ctx, env.Name, named)
	if err != nil {
		return "", typed(err)
	}
	if !ok {
		return "", invalid("blueprint_version", "environment %q has no configuration %s: push it first", env.Name, named)
	}
	return named, nil
}
