package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// TestAuthorizeMatchesPatterns: a grant covers the environments its
// pattern matches; "*" is needed for acts about every environment; a
// role includes the ones below it as documented.
func TestAuthorizeMatchesPatterns(t *testing.T) {
	t.Parallel()
	c := service.Caller{Name: "dana", Grants: []service.Grant{
		{Role: apiwire.RoleApprover, Environment: "staging"},
		{Role: apiwire.RoleDeployer, Environment: "prod-*"},
	}}
	for _, tc := range []struct {
		role apiwire.Role
		env  string
		want bool
	}{
		{apiwire.RoleApprover, "staging", true},
		{apiwire.RoleViewer, "staging", true}, // approver includes viewer
		{apiwire.RoleApprover, "staging-2", false},
		{apiwire.RoleApprover, "production", false},
		{apiwire.RoleDeployer, "prod-eu", true},
		{apiwire.RoleDeployer, "prod", false},
		{apiwire.RoleViewer, "prod-eu", true}, // deployer includes viewer
		{apiwire.RoleViewer, "prod", false},
		{apiwire.RoleAdmin, "staging", false},
		{apiwire.RoleViewer, service.AnyEnvironment, true},
		{apiwire.RoleAdmin, service.AnyEnvironment, false},
		{apiwire.RoleViewer, service.AllEnvironments, false},
	} {
		if got := c.Holds(tc.role, tc.env); got != tc.want {
			t.Errorf("Holds(%s, %q) = %t, want %t", tc.role, tc.env, got, tc.want)
		}
	}
	admin := service.Caller{Name: "root", Grants: []service.Grant{{Role: apiwire.RoleAdmin, Environment: "*"}}}
	for _, r := range apiwire.Roles {
		if !admin.Holds(r, "anything") || !admin.Holds(r, service.AllEnvironments) {
			t.Errorf("admin on * does not hold %s everywhere", r)
		}
	}
}

// TestAuthorizeTokenScopesAreRoles: each scope is its role on every
// environment, so existing tokens keep working; bindings add to them.
func TestAuthorizeTokenScopesAreRoles(t *testing.T) {
	t.Parallel()
	for scope, role := range map[apiwire.Scope]apiwire.Role{apiwire.ScopeRead: apiwire.RoleViewer, apiwire.ScopeWrite: apiwire.RoleDeployer,
		apiwire.ScopeApprove: apiwire.RoleApprover, apiwire.ScopeAdmin: apiwire.RoleAdmin} {
		c := service.Caller{Name: "tok", Scopes: []string{string(scope)}}
		if !c.Holds(role, "production") || !c.Holds(role, service.AllEnvironments) {
			t.Errorf("scope %s does not hold %s on every environment", scope, role)
		}
	}
	// a scope allows what it always did: approve alone never read
	if approve := (service.Caller{Name: "gate", Scopes: []string{"approve"}}); approve.Holds(apiwire.RoleViewer, "production") {
		t.Errorf("the approve scope alone holds viewer on production: an approve-only token would start reading")
	}
	c := service.Caller{Name: "ci", Scopes: []string{"read"}, Grants: []service.Grant{{Role: apiwire.RoleDeployer, Environment: "dev"}}}
	if !c.Holds(apiwire.RoleDeployer, "dev") || c.Holds(apiwire.RoleDeployer, "production") || !c.Holds(apiwire.RoleViewer, "production") {
		t.Errorf("read scope + deployer on dev: %s", c.Holding())
	}
}

// TestAuthorizeRefusalNamesRoleAndEnvironment: the 403's message says
// which role on which environment is missing and what the caller holds.
func TestAuthorizeRefusalNamesRoleAndEnvironment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, st, _ := serviceSetup(t)
	for _, name := range []string{"staging", "production"} {
		if err := st.CreateEnvironment(ctx, &release.Environment{Name: name, Source: release.Source{Dir: "/srv/" + name}}); err != nil {
			t.Fatal(err)
		}
	}
	pending := func(env string) int64 {
		r := &release.Release{Environment: env, Template: "terraform-apply", TemplateNamespace: "shiplog", TriggeredBy: "ci",
			Phases: []release.Phase{{Name: "plan", Action: release.ActionPlan}, {Name: "apply", Action: release.ActionApply}}}
		if err := st.CreateRelease(ctx, r); err != nil {
			t.Fatal(err)
		}
		for _, mv := range [][2]release.Status{{release.StatusQueued, release.StatusInProgress}, {release.StatusInProgress, release.StatusPendingApproval}} {
			if err := st.Transition(ctx, store.StatusChange{ID: r.ID, From: mv[0], To: mv[1], LeaseOwner: "w", LeaseFor: time.Hour}); err != nil {
				t.Fatal(err)
			}
		}
		return r.ID
	}
	stagingID, prodID := pending("staging"), pending("production")
	dana, err := svc.PersonCaller(ctx, "dana", []string{"staging-approvers"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if dana.Holds(apiwire.RoleViewer, service.AnyEnvironment) {
		t.Fatalf("dana holds a role before any binding: %s", dana.Holding())
	}
	admin := service.Caller{Name: "root", Scopes: []string{"admin"}}
	if _, err := svc.GrantRole(ctx, admin, apiwire.RoleBindingRequest{SubjectKind: "group", Subject: "staging-approvers", Role: apiwire.RoleApprover, Environment: "stag*"}); err != nil {
		t.Fatal(err)
	}
	if dana, err = svc.PersonCaller(ctx, "dana", []string{"staging-approvers"}, ""); err != nil {
		t.Fatal(err)
	}
	err = svc.Approve(ctx, dana, prodID, "")
	want := `approving a release needs the approver role on environment production; "dana" has approver on stag*`
	if kindOf(err) != service.Forbidden || err.Error() != want {
		t.Errorf("approve on production: %v\nwant forbidden: %s", err, want)
	}
	if err := svc.Approve(ctx, dana, stagingID, "looks fine"); err != nil {
		t.Errorf("approve on staging: %v", err)
	}
	if got, _ := st.GetRelease(ctx, stagingID); got.Approval.By != "dana" {
		t.Errorf("approved by %q, want dana (the person)", got.Approval.By)
	}
	if _, _, err := svc.CreateRelease(ctx, dana, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{Environment: "staging"}}); kindOf(err) != service.Forbidden ||
		!strings.Contains(err.Error(), "needs the deployer role on environment staging") {
		t.Errorf("create by an approver: %v, want forbidden naming deployer on staging", err)
	}
	// the same person without the group (removed at the provider) has no role
	gone, err := svc.PersonCaller(ctx, "dana", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Reject(ctx, gone, prodID, "no"); kindOf(err) != service.Forbidden || !strings.Contains(err.Error(), `"dana" has no role`) {
		t.Errorf("reject without the group: %v", err)
	}
}

// TestRoleBindingsGrantListRevoke: bindings are admin-only, checked,
// listed, revoked, and audited role.grant / role.revoke.
func TestRoleBindingsGrantListRevoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, st, _ := serviceSetup(t)
	admin := service.Caller{Name: "root", Scopes: []string{"admin"}}
	envAdmin := service.Caller{Name: "ops", Grants: []service.Grant{{Role: apiwire.RoleAdmin, Environment: "prod-*"}}}
	req := apiwire.RoleBindingRequest{SubjectKind: "token", Subject: "ci", Role: apiwire.RoleDeployer, Environment: "dev"}
	if _, err := svc.GrantRole(ctx, envAdmin, req); kindOf(err) != service.Forbidden || !strings.Contains(err.Error(), "admin role on every environment (*)") {
		t.Errorf("grant by an admin of prod-* only: %v", err)
	}
	for _, bad := range []struct {
		field string
		req   apiwire.RoleBindingRequest
	}{
		{"subject_kind", apiwire.RoleBindingRequest{SubjectKind: "team", Subject: "x", Role: "viewer", Environment: "*"}},
		{"subject", apiwire.RoleBindingRequest{SubjectKind: "user", Subject: " ", Role: "viewer", Environment: "*"}},
		{"role", apiwire.RoleBindingRequest{SubjectKind: "user", Subject: "x", Role: "owner", Environment: "*"}},
		{"environment", apiwire.RoleBindingRequest{SubjectKind: "user", Subject: "x", Role: "viewer", Environment: "prod-["}},
	} {
		_, err := svc.GrantRole(ctx, admin, bad.req)
		var se *service.Error
		if kindOf(err) != service.Invalid || !errors.As(err, &se) || se.Field != bad.field {
			t.Errorf("grant %+v: %v, want invalid %s", bad.req, err, bad.field)
		}
	}
	b, err := svc.GrantRole(ctx, admin, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GrantRole(ctx, admin, req); kindOf(err) != service.Conflict {
		t.Errorf("granting the same twice: %v, want conflict", err)
	}
	ci, err := svc.TokenCaller(ctx, "ci", []string{"read"}, "")
	if err != nil || !ci.Holds(apiwire.RoleDeployer, "dev") {
		t.Errorf("token ci after the grant: %s, %v", ci.Holding(), err)
	}
	bs, err := svc.ListRoleBindings(ctx, admin)
	if err != nil || len(bs) != 1 || bs[0].ID != b.ID || bs[0].CreatedBy != "root" {
		t.Errorf("list: %+v, %v", bs, err)
	}
	if _, err := svc.ListRoleBindings(ctx, ci); kindOf(err) != service.Forbidden {
		t.Errorf("list by ci: %v, want forbidden", err)
	}
	if _, err := svc.RevokeRole(ctx, admin, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RevokeRole(ctx, admin, b.ID); kindOf(err) != service.NotFound {
		t.Errorf("revoking again: %v, want not found", err)
	}
	if ci, _ = svc.TokenCaller(ctx, "ci", []string{"read"}, ""); ci.Holds(apiwire.RoleDeployer, "dev") {
		t.Errorf("token ci still deployer on dev after the revoke")
	}
	evs, err := st.ListAudit(ctx, store.AuditFilter{Kind: "role."})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string][]string{}
	for _, e := range evs {
		kinds[e.Kind] = append(kinds[e.Kind], e.Outcome)
	}
	if len(kinds["role.grant"]) != 7 || len(kinds["role.revoke"]) != 2 {
		t.Errorf("audit: %v, want 7 role.grant (1 ok, 1 conflict, 4 invalid, 1 forbidden) and 2 role.revoke", kinds)
	}
}
