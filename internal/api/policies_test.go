package api_test

import (
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

const apiPolicy = `package shiplog.small

warn contains "big" if count(input.resource_changes) > 100
`

// Policies are stored by admins, read by readers; each change of the
// module counts a version; bad Rego is a 400 that says where.
func TestPolicies(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var p release.Policy
	h.call("PUT", "/api/v1/policies/small", "admin", apiwire.PolicyRequest{Module: apiPolicy, Environments: []string{"prod-*"}}, 201, &p)
	if p.Version != 1 || p.UpdatedBy != "admin" || len(p.Environments) != 1 {
		t.Errorf("created policy %+v, want version 1 by admin for prod-*", p)
	}
	h.call("PUT", "/api/v1/policies/small", "admin", apiwire.PolicyRequest{Module: apiPolicy}, 200, &p)
	if p.Version != 1 {
		t.Errorf("version %d after a change of scope only, want 1 (the module did not change)", p.Version)
	}
	h.call("PUT", "/api/v1/policies/small", "admin", apiwire.PolicyRequest{Module: apiPolicy + "\nwarn contains \"also\" if true\n"}, 200, &p)
	if p.Version != 2 {
		t.Errorf("version %d after the module changed, want 2", p.Version)
	}
	var list apiwire.PolicyList
	h.call("GET", "/api/v1/policies", "reader", nil, 200, &list)
	if len(list.Policies) != 1 || list.Policies[0].Name != "small" {
		t.Errorf("listed %+v, want the one policy", list.Policies)
	}
	h.fails("PUT", "/api/v1/policies/small", "writer", apiwire.PolicyRequest{Module: apiPolicy}, 403)

	bad := h.fails("PUT", "/api/v1/policies/broken", "admin", apiwire.PolicyRequest{Module: "package p\n\ndeny contains msg if {\n\tmsg := \n}\n"}, 400)
	if bad.Error.Field != "module" {
		t.Errorf("bad Rego names field %q, want module", bad.Error.Field)
	}
	if !strings.Contains(bad.Error.Message, "line 5, column") {
		t.Errorf("bad Rego says %q, want its line and column", bad.Error.Message)
	}
	if e := h.fails("PUT", "/api/v1/policies/Bad%20Name", "admin", apiwire.PolicyRequest{Module: apiPolicy}, 400); e.Error.Field != "name" {
		t.Errorf("a bad name names field %q, want name", e.Error.Field)
	}
	if e := h.fails("PUT", "/api/v1/policies/globs", "admin", apiwire.PolicyRequest{Module: apiPolicy, Environments: []string{"prod-["}}, 400); e.Error.Field != "environments" {
		t.Errorf("a bad pattern names field %q, want environments", e.Error.Field)
	}
	h.fails("GET", "/api/v1/policies/broken", "reader", nil, 404)
	h.call("DELETE", "/api/v1/policies/small", "admin", nil, 204, nil)
	h.fails("DELETE", "/api/v1/policies/small", "admin", nil, 404)
}
