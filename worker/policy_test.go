package worker_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/policy"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

var policyAdmin = service.Caller{Name: "security", Scopes: []string{"admin"}}

// noDeletes denies a plan that deletes anything, and warns when more
// than one resource is created.
const noDeletes = `package shiplog.nodelete

deny contains msg if {
	some rc in input.plan.resource_changes
	"delete" in rc.change.actions
	msg := sprintf("%s would be deleted", [rc.address])
}

warn contains msg if {
	n := count([rc | some rc in input.resource_changes; rc.action == "create"])
	n > 1
	msg := sprintf("%d resources are created at once", [n])
}
`

// putPolicy stores a policy through the use case, as the API would.
func putPolicy(t *testing.T, svc *service.Service, name, module string, overridable bool) {
	t.Helper()
	if _, _, err := svc.PutPolicy(context.Background(), policyAdmin, name, apiwire.PolicyRequest{Module: module, Overridable: overridable}); err != nil {
		t.Fatal(err)
	}
}

// checkOf is policy name's verdict on a release.
func checkOf(t *testing.T, r *release.Release, name string) release.PolicyCheck {
	t.Helper()
	for _, c := range r.PolicyChecks {
		if c.Policy == name {
			return c
		}
	}
	t.Fatalf("release %d has no verdict of policy %s: %+v", r.ID, name, r.PolicyChecks)
	return release.PolicyCheck{}
}

// A policy that denies the real plan stops the release before apply: it
// ends FAILED with the policy's message, apply never runs, and the state
// keeps the resource the plan would have deleted.
func TestPolicyDenialStopsTheRelease(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	svc := h.service()
	h.env("shop", namedConfig(t, "v1", 2))
	w := h.worker()
	first := h.release("shop", "terraform-apply")
	h.runOnce(w)
	if got := h.get(first.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("first release %s\n%s", got.Status, got.ErrorLog)
	}
	putPolicy(t, svc, "nodelete", noDeletes, false)
	h.setSource("shop", namedConfig(t, "v1", 1)) // v1_b goes
	rel := h.release("shop", "policy-apply")
	h.runOnce(w)
	got := h.get(rel.ID)
	if got.Status != release.StatusFailed {
		t.Fatalf("release %s, want FAILED by the policy\n%s", got.Status, got.ErrorLog)
	}
	if !strings.Contains(got.ErrorLog, "terraform_data.v1_b would be deleted") {
		t.Errorf("error log %q does not say what the policy denied", got.ErrorLog)
	}
	if c := checkOf(t, got, "nodelete"); c.Verdict != "deny" || c.Version != 1 || len(c.Denials) != 1 {
		t.Errorf("verdict %+v, want deny (version 1) with one message", c)
	}
	apply := got.Phases[len(got.Phases)-1]
	if apply.Name != "apply" || apply.Status != release.PhaseSkipped {
		t.Errorf("apply phase %s %s, want apply SKIPPED", apply.Name, apply.Status)
	}
	vs, err := h.store.ListStateVersions(context.Background(), "shop", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.ReleaseID != nil && *v.ReleaseID == rel.ID {
			t.Errorf("the denied release wrote state version %d: its plan was applied", v.Serial)
		}
	}
}

// A denial a policy allows to override waits for an approval; approving
// overrides it (the audit log says which policy), and the release applies.
// A warning is recorded and blocks nothing.
func TestPolicyOverrideByApproval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	svc := h.service()
	h.env("shop", namedConfig(t, "v1", 2))
	w := h.worker()
	h.release("shop", "terraform-apply")
	h.runOnce(w)
	putPolicy(t, svc, "nodelete", noDeletes, true)
	h.setSource("shop", namedConfig(t, "v2", 3)) // both v1 go, three v2 come
	rel := h.release("shop", "policy-apply")
	h.runOnce(w)
	got := h.get(rel.ID)
	if got.Status != release.StatusPendingApproval {
		t.Fatalf("release %s, want PENDING_APPROVAL (an overridable denial)\n%s", got.Status, got.ErrorLog)
	}
	c := checkOf(t, got, "nodelete")
	if c.Verdict != "deny" || !c.Overridable {
		t.Errorf("verdict %+v, want an overridable deny", c)
	}
	if len(c.Warnings) != 1 || c.Warnings[0] != "3 resources are created at once" {
		t.Errorf("warnings %q, want the count of creates", c.Warnings)
	}
	if names := service.OverriddenPolicies(got); len(names) != 1 || names[0] != "nodelete" {
		t.Errorf("an approval would override %v, want [nodelete]", names)
	}
	approver := service.Caller{Name: "lead", Scopes: []string{"approve"}}
	if err := svc.Approve(ctx, approver, rel.ID, "the old nodes are retired"); err != nil {
		t.Fatal(err)
	}
	h.runOnce(w)
	if got = h.get(rel.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("after the override: %s\n%s", got.Status, got.ErrorLog)
	}
	evs, err := h.store.ListAudit(ctx, store.AuditFilter{Kind: "release.approve_override"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Actor != "lead" || !strings.Contains(evs[0].Detail, "overrides policy nodelete") {
		t.Errorf("audit of the override %+v, want one by lead naming nodelete", evs)
	}
}

// A policy that only warns is shown and does not block.
func TestPolicyWarningDoesNotBlock(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	svc := h.service()
	h.env("shop", namedConfig(t, "v1", 3))
	putPolicy(t, svc, "nodelete", noDeletes, false)
	w := h.worker()
	rel := h.release("shop", "policy-apply")
	h.runOnce(w)
	got := h.get(rel.ID)
	if got.Status != release.StatusSucceeded {
		t.Fatalf("release %s, want SUCCEEDED (a warning does not block)\n%s", got.Status, got.ErrorLog)
	}
	if c := checkOf(t, got, "nodelete"); c.Verdict != "warn" || len(c.Warnings) != 1 {
		t.Errorf("verdict %+v, want warn with one message", c)
	}
}

// A configuration's own policies directory is checked beside the stored
// policies: its deny fails the release, named as the file, and a file
// that does not compile fails the phase with its line.
func TestConfigurationPoliciesAreChecked(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	main := `resource "terraform_data" "web" {
  input = "v1"
}
`
	h.env("shop", config(t, map[string]string{"main.tf": main}))
	dir := config(t, map[string]string{"main.tf": main})
	mkdir(t, dir, "policies")
	writeFile(t, dir, "policies/tags.rego", `package config.tags

deny contains msg if {
	some rc in input.resource_changes
	rc.action == "create"
	msg := sprintf("%s is created without an owner", [rc.address])
}
`)
	h.setSource("shop", dir)
	w := h.worker()
	rel := h.release("shop", "policy-apply")
	h.runOnce(w)
	got := h.get(rel.ID)
	if got.Status != release.StatusFailed {
		t.Fatalf("release %s, want FAILED by the configuration's policy\n%s", got.Status, got.ErrorLog)
	}
	c := checkOf(t, got, "policies/tags.rego")
	if c.Source != release.PolicyFromConfiguration || c.Version != 0 {
		t.Errorf("verdict %+v, want one from the configuration (version 0)", c)
	}
	if !strings.Contains(got.ErrorLog, "terraform_data.web is created without an owner") {
		t.Errorf("error log %q does not carry the denial", got.ErrorLog)
	}

	broken := config(t, map[string]string{"main.tf": main})
	mkdir(t, broken, "policies")
	writeFile(t, broken, "policies/broken.rego", "package config.broken\n\ndeny contains msg if {\n\tmsg := \n}\n")
	h.setSource("shop", broken)
	rel = h.release("shop", "policy-apply")
	h.runOnce(w)
	got = h.get(rel.ID)
	if got.Status != release.StatusFailed {
		t.Fatalf("release with a broken policy %s, want FAILED", got.Status)
	}
	if !strings.Contains(got.ErrorLog, "policies/broken.rego does not compile") || !strings.Contains(got.ErrorLog, "line 5") {
		t.Errorf("error log %q does not name the broken file and its line", got.ErrorLog)
	}
}

// mkdir makes a directory others may read in dir.
func mkdir(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
		t.Fatal(err)
	}
}

// A policy that would run for hours ends its phase FAILED at the limit,
// saying so; the worker goes on to the next release.
func TestRunawayPolicyFailsThePhase(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Policy = policy.Limits{Time: 500 * time.Millisecond}
	svc := h.service()
	h.env("shop", namedConfig(t, "v1", 1))
	putPolicy(t, svc, "spin", `package shiplog.spin

deny contains "never" if {
	some i in numbers.range(1, 100000)
	some j in numbers.range(1, 100000)
	i * j == -1
}
`, false)
	w := h.worker()
	rel := h.release("shop", "policy-apply")
	h.runOnce(w)
	got := h.get(rel.ID)
	if got.Status != release.StatusFailed {
		t.Fatalf("release %s, want FAILED by the runaway policy\n%s", got.Status, got.ErrorLog)
	}
	if !strings.Contains(got.ErrorLog, "policy spin ran past its time limit") {
		t.Errorf("error log %q does not say the policy ran past its limit", got.ErrorLog)
	}
	if _, _, err := svc.PutPolicy(context.Background(), policyAdmin, "spin", apiwire.PolicyRequest{Module: noDeletes}); err != nil {
		t.Fatal(err)
	}
	next := h.release("shop", "policy-apply")
	h.runOnce(w)
	if got := h.get(next.ID); got.Status != release.StatusSucceeded {
		t.Errorf("the next release on the same worker: %s\n%s", got.Status, got.ErrorLog)
	}
}
