// Package service holds shiplog's use cases on releases, callable without
// HTTP: the API's handlers decode a request, call one, and encode its
// result; the web pages call them directly; a controller can too. Each
// use case decides whether its caller may run it (Caller.Authorize: a
// role on the environment it acts on), checks
// its input, runs its rules (internal/release) and its writes
// (internal/store), and fails with an *Error saying what kind of failure
// it is.
package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// The scope each use case's API route names (the OpenAPI document's
// x-scope): a token holding it holds the scope's role (apiwire.RoleOfScope)
// on every environment. The use cases decide by role (Caller.Authorize).
const (
	ApproveScope  = apiwire.ScopeApprove // approve, reject
	SignOffScope  = apiwire.ScopeApprove
	AbortScope    = apiwire.ScopeWrite
	RollbackScope = apiwire.ScopeWrite
)

// Service runs the use cases against one store and template catalog.
type Service struct {
	store   *store.Store
	catalog *template.Catalog
	log     hclog.Logger
	changed func(id int64)
	// savedPlans: how old a saved plan may be applied, and the clock
	// (saved_plan.go).
	savedPlans savedPlanSettings
	// webhookAllowPrivate lets subscriptions target private addresses.
	webhookAllowPrivate bool
}

// AllowPrivateWebhooks lets webhook subscriptions target loopback,
// link-local and private addresses (refused by default: server-side
// request forgery). Set it before use.
func (s *Service) AllowPrivateWebhooks(yes bool) { s.webhookAllowPrivate = yes }

// OnChange names a function told, synchronously, of each release a use case
// of this Service has just changed, before the use case returns: a caller's
// cache (the API's) forgets its copy at once, so whoever made the change
// reads it back, wherever the call came from (the API, the pages). Other
// processes learn of it from the database's announcement. Set it before use.
func (s *Service) OnChange(f func(id int64)) { s.changed = f }

// touched tells OnChange's function that release id changed.
func (s *Service) touched(id int64) {
	if s.changed != nil {
		s.changed(id)
	}
}

// New makes a Service. log may be nil.
func New(st *store.Store, catalog *template.Catalog, log hclog.Logger) (*Service, error) {
	if st == nil || catalog == nil {
		return nil, errors.New("service: a store and a template catalog are required")
	}
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Service{store: st, catalog: catalog, log: log, savedPlans: defaultSavedPlanSettings()}, nil
}

// pending reads release id and checks that it waits for an approval
// decision (Conflict otherwise).
func (s *Service) pending(ctx context.Context, id int64, verb string) error {
	_, err := s.waiting(ctx, id, verb)
	return err
}

// waiting is pending that returns the release.
func (s *Service) waiting(ctx context.Context, id int64, verb string) (*release.Release, error) {
	cur, err := s.store.GetRelease(ctx, id)
	if err != nil {
		return nil, typed(err)
	}
	if cur.Status != release.StatusPendingApproval {
		return nil, conflict("release %d is %s: only a release waiting for approval (PENDING_APPROVAL) can be %s", id, cur.Status, verb)
	}
	return cur, nil
}

// Approve lets release id, waiting for approval (PENDING_APPROVAL), go on:
// it is QUEUED again, recording who approved it and why (comment may be
// empty). Forbidden without the approver role on its environment; NotFound; Conflict when it does
// not wait for approval (or stopped waiting meanwhile). Approving a
// release that waits because a policy denied it overrides that denial:
// the audit event says which policies were overridden.
func (s *Service) Approve(ctx context.Context, c Caller, id int64, comment string) (err error) {
	act := &Act{Kind: "release.approve", Release: id, Detail: comment}
	defer s.audit(ctx, c, act, &err)
	if act.Environment, err = s.EnvironmentOfRelease(ctx, id); err != nil {
		return err
	}
	if err := c.Authorize(apiwire.RoleApprover, act.Environment, "approving a release"); err != nil {
		return err
	}
	cur, err := s.waiting(ctx, id, "approved")
	if err != nil {
		return err
	}
	if names := OverriddenPolicies(cur); len(names) > 0 {
		act.Kind = "release.approve_override"
		act.Detail = "overrides policy " + strings.Join(names, ", ") + commentSuffix(comment)
	}
	if err := s.store.Approve(ctx, id, c.Name, comment); err != nil {
		return typed(err)
	}
	s.log.Info("release approved", "release", id, "by", c.Name)
	s.touched(id)
	return nil
}

// Reject ends release id, waiting for approval, as REJECTED; its phases
// that had not run are SKIPPED. Errors as Approve's.
func (s *Service) Reject(ctx context.Context, c Caller, id int64, comment string) (err error) {
	act := &Act{Kind: "release.reject", Release: id, Detail: comment}
	defer s.audit(ctx, c, act, &err)
	if act.Environment, err = s.EnvironmentOfRelease(ctx, id); err != nil {
		return err
	}
	if err := c.Authorize(apiwire.RoleApprover, act.Environment, "rejecting a release"); err != nil {
		return err
	}
	if err := s.pending(ctx, id, "rejected"); err != nil {
		return err
	}
	if err := s.store.Reject(ctx, id, c.Name, comment); err != nil {
		return typed(err)
	}
	s.log.Info("release rejected", "release", id, "by", c.Name)
	s.touched(id)
	return nil
}

// Abort aborts release id: a queued or waiting release ends ABORTED at
// once, a running one gets an abort request its worker honours
// (release.Release.MayAbort decides). Forbidden without the deployer role on its environment;
// NotFound; Conflict when it is finished or an abort was already asked.
func (s *Service) Abort(ctx context.Context, c Caller, id int64, comment string) (err error) {
	act := &Act{Kind: "release.abort", Release: id, Detail: comment}
	defer s.audit(ctx, c, act, &err)
	cur, err := s.store.GetRelease(ctx, id)
	if err != nil {
		return typed(err)
	}
	act.Environment = cur.Environment
	if err := c.Authorize(apiwire.RoleDeployer, cur.Environment, "aborting a release"); err != nil {
		return err
	}
	if err := cur.MayAbort(); err != nil {
		return &Error{Kind: Conflict, Message: err.Error(), Err: err}
	}
	if _, err := s.store.RequestAbort(ctx, id, c.Name, comment); err != nil {
		return typed(err)
	}
	s.log.Info("release abort requested", "release", id, "by", c.Name, "was", cur.Status)
	s.touched(id)
	return nil
}

// SignOff records the caller's verdict (APPROVED or REJECTED) on finished
// release id. Forbidden without the approver role on its environment; Invalid (field "status")
// for another verdict; NotFound; Conflict when it is not finished or was
// signed off already.
func (s *Service) SignOff(ctx context.Context, c Caller, id int64, status release.SignOffStatus, comment string) (err error) {
	act := &Act{Kind: "release.sign_off", Release: id, Detail: string(status) + " " + comment}
	defer s.audit(ctx, c, act, &err)
	if status != release.SignOffApproved && status != release.SignOffRejected {
		return invalid("status", "status must be APPROVED or REJECTED, not %q", status)
	}
	if act.Environment, err = s.EnvironmentOfRelease(ctx, id); err != nil {
		return err
	}
	if err := c.Authorize(apiwire.RoleApprover, act.Environment, "signing off a release"); err != nil {
		return err
	}
	if err := s.store.SignOff(ctx, id, status, c.Name, comment); err != nil {
		return typed(err)
	}
	s.log.Info("release signed off", "release", id, "by", c.Name, "status", status)
	s.touched(id)
	return nil
}

// Rollback queues a ROLLBACK release that re-applies release id: its
// blueprint version, artifacts, targets and variables, with its template;
// it returns the new release (rollback_of is id). Forbidden without the
// deployer role on its environment; NotFound; Conflict unless id is a SUCCEEDED apply that
// recorded a blueprint version and whose template is still known.
func (s *Service) Rollback(ctx context.Context, c Caller, id int64) (_ *release.Release, err error) {
	act := &Act{Kind: "release.rollback", Detail: fmt.Sprintf("rollback to release %d", id)}
	defer s.audit(ctx, c, act, &err)
	target, err := s.store.GetRelease(ctx, id)
	if err != nil {
		return nil, typed(err)
	}
	act.Environment = target.Environment
	if err := c.Authorize(apiwire.RoleDeployer, target.Environment, "rolling back a release"); err != nil {
		return nil, err
	}
	switch {
	case target.Status != release.StatusSucceeded:
		return nil, conflict("release %d is %s: only a SUCCEEDED release can be rolled back to", id, target.Status)
	case target.Type != release.TypeApply:
		return nil, conflict("release %d is of type %s: it applied nothing to roll back to", id, target.Type)
	case target.BlueprintVersion == "":
		return nil, conflict("release %d recorded no blueprint version: there is no configuration to re-apply", id)
	}
	t, err := s.catalog.Get(target.TemplateNamespace, target.Template)
	if err != nil {
		return nil, conflict("release %d ran template %s/%s, which is no longer known: %v", id, target.TemplateNamespace, target.Template, err)
	}
	env, err := s.store.GetEnvironment(ctx, target.Environment)
	if err != nil {
		return nil, typed(err)
	}
	vars, err := s.store.RollbackVariables(ctx, id)
	if err != nil {
		return nil, typed(err)
	}
	phases := t.Phases()
	rel := &release.Release{
		Environment:       env.Name,
		Namespace:         env.Namespace,
		Template:          t.Name(),
		TemplateNamespace: t.Namespace(),
		Phases:            phases,
		Type:              t.Type(),
		DeploymentType:    release.DeploymentRollback,
		TriggeredBy:       c.Name,
		BlueprintVersion:  target.BlueprintVersion,
		Targets:           target.Targets,
		Approval:          release.Approval{Required: release.NeedsApproval(env, phases)},
		Artifacts:         append([]release.Artifact(nil), target.Artifacts...),
		Variables:         vars,
		RollbackOf:        &id,
	}
	if err := s.store.CreateRelease(ctx, rel); err != nil {
		return nil, typed(err)
	}
	act.Release, act.Environment = rel.ID, rel.Environment
	s.log.Info("rollback queued", "release", rel.ID, "rolls_back_to", id, "by", c.Name)
	return rel, nil
}
