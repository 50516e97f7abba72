package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// TestRoleBindingsOverHTTP: /api/v1/roles grants, lists and revokes
// bindings (admins on * only, bad input a 400 naming the field, a
// duplicate a 409, both audited); a token bound to deployer on dev
// creates releases there and is refused on prod with a 403 naming the
// role and the environment, and loses the role once the binding is
// revoked.
func TestRoleBindingsOverHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, e := range []string{"dev", "prod"} {
		h.env(e)
	}
	// a token with the read scope alone, to be bound to deployer on dev
	secret, _, err := api.IssueToken(context.Background(), h.st, "ci", []string{"read"})
	if err != nil {
		t.Fatal(err)
	}
	h.tokens["ci"] = secret
	create := func(env string) (int, []byte) {
		return h.do("POST", "/api/v1/releases", "ci", apiwire.CreateReleaseRequest{Environment: env, Template: "terraform-apply"})
	}
	if code, b := create("dev"); code != 403 || !strings.Contains(string(b), "needs the deployer role on some environment") {
		t.Errorf("create as a read-only token before any binding: %d %s, want 403 naming the deployer role", code, b)
	}

	if e := h.fails("POST", "/api/v1/roles", "pipeline", apiwire.RoleBindingRequest{SubjectKind: "token", Subject: "ci", Role: "deployer", Environment: "dev"}, 403); !strings.Contains(e.Error.Message, "admin role") {
		t.Errorf("grant by a non-admin: %q, want a refusal naming the admin role", e.Error.Message)
	}
	for _, bad := range []struct {
		field string
		req   apiwire.RoleBindingRequest
	}{
		{"subject_kind", apiwire.RoleBindingRequest{SubjectKind: "team", Subject: "ci", Role: "deployer", Environment: "dev"}},
		{"role", apiwire.RoleBindingRequest{SubjectKind: "token", Subject: "ci", Role: "owner", Environment: "dev"}},
		{"environment", apiwire.RoleBindingRequest{SubjectKind: "token", Subject: "ci", Role: "deployer", Environment: "[dev"}},
	} {
		if e := h.fails("POST", "/api/v1/roles", "admin", bad.req, 400); e.Error.Field != bad.field {
			t.Errorf("grant %+v: field %q (%s), want %q", bad.req, e.Error.Field, e.Error.Message, bad.field)
		}
	}
	var b apiwire.RoleBinding
	grant := apiwire.RoleBindingRequest{SubjectKind: "token", Subject: "ci", Role: "deployer", Environment: "dev"}
	h.call("POST", "/api/v1/roles", "admin", grant, 201, &b)
	if b.ID == 0 || b.CreatedBy != "admin" || b.Role != apiwire.RoleDeployer || b.Environment != "dev" {
		t.Errorf("granted binding: %+v", b)
	}
	h.fails("POST", "/api/v1/roles", "admin", grant, 409)
	var list apiwire.RoleBindingList
	h.call("GET", "/api/v1/roles", "admin", nil, 200, &list)
	if len(list.Bindings) != 1 || list.Bindings[0].ID != b.ID {
		t.Errorf("bindings: %+v, want the one granted", list.Bindings)
	}

	if code, body := create("dev"); code != 201 {
		t.Errorf("create on dev as ci, deployer on dev: %d %s", code, body)
	}
	if code, body := create("prod"); code != 403 || !strings.Contains(string(body), "creating a release needs the deployer role on environment prod") {
		t.Errorf("create on prod as ci, deployer on dev only: %d %s, want 403 naming deployer on prod", code, body)
	}

	h.call("DELETE", fmt.Sprintf("/api/v1/roles/%d", b.ID), "admin", nil, 204, nil)
	h.fails("DELETE", fmt.Sprintf("/api/v1/roles/%d", b.ID), "admin", nil, 404)
	h.fails("DELETE", "/api/v1/roles/x", "admin", nil, 400)
	if code, body := create("dev"); code != 403 {
		t.Errorf("create on dev after the binding was revoked: %d %s, want 403", code, body)
	}
	evs, err := h.st.ListAudit(context.Background(), store.AuditFilter{Kind: "role."})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range evs {
		outcomes[e.Kind+":"+e.Outcome]++
	}
	if outcomes["role.grant:ok"] != 1 || outcomes["role.revoke:ok"] != 1 || outcomes["role.grant:refused"] == 0 {
		t.Errorf("audited role changes: %v, want a grant, a revoke and the refused (invalid, duplicate) grants", outcomes)
	}
}
