package kube

import (
	"context"
	"errors"
	"fmt"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// createRelease creates the release of a Release, once per key (the
// Release's UID): asked again with the same key it returns the release it
// made. namespace is the release's namespace (the Release's).
//
// TODO(uc merge): service.CreateRelease with the idempotency key replaces
// this stand-in, which checks the key through triggered_by.
func (r *releaseReconciler) createRelease(ctx context.Context, c service.Caller, req apiwire.CreateReleaseRequest, namespace, key string) (*release.Release, error) {
	by := c.Name + "#" + key
	prior, err := r.store.ListReleases(ctx, store.ReleaseFilter{TriggeredBy: by, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(prior) > 0 {
		return prior[0], nil
	}
	env, err := r.store.GetEnvironment(ctx, req.Environment)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &service.Error{Kind: service.Invalid, Field: "environment", Message: fmt.Sprintf("environment %q does not exist in shiplog", req.Environment)}
	}
	if err != nil {
		return nil, err
	}
	name := req.Template
	if name == "" {
		name = env.DefaultTemplate
	}
	t, err := r.svc.Template(name, namespace)
	if err != nil {
		return nil, &service.Error{Kind: service.Invalid, Field: "template", Message: err.Error()}
	}
	if err := t.CheckRelease(req.Targets); err != nil {
		return nil, &service.Error{Kind: service.Invalid, Field: "targets", Message: err.Error()}
	}
	var arts []release.Artifact
	for _, a := range req.Artifacts {
		arts = append(arts, release.Artifact{ID: a.ID, URI: a.URI, BuildID: a.BuildID, StackName: a.StackName, AppName: a.AppName, DeploysTo: a.DeploysTo})
	}
	dt := req.DeploymentType
	if dt == "" {
		dt = release.DeploymentRegular
	}
	phases := t.Phases()
	rel := &release.Release{
		Environment: env.Name, Namespace: namespace, Template: t.Name(), TemplateNamespace: t.Namespace(),
		Phases: phases, Type: t.Type(), DeploymentType: dt, TriggeredBy: by, Targets: req.Targets,
		Approval: release.Approval{Required: release.NeedsApproval(env, phases)}, Artifacts: arts, Variables: req.Variables,
	}
	if err := r.store.CreateRelease(ctx, rel); err != nil {
		return nil, err
	}
	return rel, nil
}
