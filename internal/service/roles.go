package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// RolesScope is the scope the role binding routes name: managing roles
// needs the admin role on every environment.
const RolesScope = apiwire.ScopeAdmin

// ListRoleBindings lists every role binding. Forbidden without the admin
// role on every environment.
func (s *Service) ListRoleBindings(ctx context.Context, c Caller) ([]store.RoleBinding, error) {
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "listing role bindings"); err != nil {
		return nil, err
	}
	bs, err := s.store.ListRoleBindings(ctx)
	return bs, typed(err)
}

// GrantRole stores a binding of req.Subject (of req.SubjectKind: user,
// group or token) to req.Role on the environments matching
// req.Environment ("*", a path.Match pattern such as "prod-*", or a name),
// recorded as granted by c, and returns it. Forbidden without the admin
// role on every environment; Invalid naming the field at fault; Conflict
// when the subject already has that role on that pattern. Audited
// role.grant.
func (s *Service) GrantRole(ctx context.Context, c Caller, req apiwire.RoleBindingRequest) (_ *store.RoleBinding, err error) {
	act := &Act{Kind: "role.grant", Detail: fmt.Sprintf("%s %s: %s on %s", req.SubjectKind, req.Subject, req.Role, req.Environment)}
	defer s.audit(ctx, c, act, &err)
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "granting a role"); err != nil {
		return nil, err
	}
	if !slices.Contains([]string{apiwire.SubjectUser, apiwire.SubjectGroup, apiwire.SubjectToken}, req.SubjectKind) {
		return nil, invalid("subject_kind", "subject_kind %q is not user, group or token", req.SubjectKind)
	}
	if strings.TrimSpace(req.Subject) == "" || len(req.Subject) > 256 {
		return nil, invalid("subject", "subject is required: the user's name, the group or the token name (at most 256 bytes)")
	}
	if !slices.Contains(apiwire.Roles, req.Role) {
		return nil, invalid("role", "role %q is not viewer, deployer, approver or admin", req.Role)
	}
	if err := release.ValidatePattern(req.Environment); err != nil {
		return nil, invalid("environment", "%s", err.Error())
	}
	if req.Environment != AllEnvironments {
		act.Environment = req.Environment
	}
	b := &store.RoleBinding{SubjectKind: req.SubjectKind, Subject: req.Subject, Role: string(req.Role), Environment: req.Environment, CreatedBy: c.Name}
	if err := s.store.CreateRoleBinding(ctx, b); err != nil {
		return nil, typed(err)
	}
	act.Detail = fmt.Sprintf("binding %d: %s", b.ID, act.Detail)
	s.log.Info("role granted", "binding", b.ID, "subject_kind", b.SubjectKind, "subject", b.Subject, "role", b.Role, "environment", b.Environment, "by", c.Name)
	return b, nil
}

// RevokeRole deletes binding id and returns it as it was. Forbidden
// without the admin role on every environment; NotFound. Audited
// role.revoke. A person's pages and API calls lose the role at their next
// request (bindings are read per request).
func (s *Service) RevokeRole(ctx context.Context, c Caller, id int64) (_ *store.RoleBinding, err error) {
	act := &Act{Kind: "role.revoke", Detail: fmt.Sprintf("binding %d", id)}
	defer s.audit(ctx, c, act, &err)
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "revoking a role"); err != nil {
		return nil, err
	}
	b, err := s.store.DeleteRoleBinding(ctx, id)
	if err != nil {
		return nil, typed(err)
	}
	act.Detail = fmt.Sprintf("binding %d: %s %s: %s on %s", id, b.SubjectKind, b.Subject, b.Role, b.Environment)
	if b.Environment != AllEnvironments {
		act.Environment = b.Environment
	}
	s.log.Info("role revoked", "binding", id, "by", c.Name)
	return b, nil
}
