package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"

	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

func TestAccReleaseDataSource(t *testing.T) {
	t.Parallel()
	accEnv(t)
	f := newFixture(t)
	prod, staging := f.prod, f.staging
	const r = "data.shiplog_release.r"

	t.Run("release by id", func(t *testing.T) {
		checks := []statecheck.StateCheck{
			num(r, "id", prod.ID),
			str(r, "environment", "production"),
			str(r, "namespace", prod.Namespace),
			str(r, "status", "SUCCEEDED"),
			str(r, "template", "terraform-apply"),
			str(r, "template_namespace", prod.TemplateNamespace),
			str(r, "release_type", "APPLY"),
			str(r, "deployment_type", "REGULAR"),
			str(r, "triggered_by", "admin"),
			str(r, "blueprint_version", prod.BlueprintVersion),
			str(r, "created_at", prod.CreatedAt.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")),
			set(r, "queued_at"),
			set(r, "started_at"),
			set(r, "finished_at"),
			num(r, "duration_ms", *prod.DurationMS()),
			count(r, "targets", 0),
			str(r, "error_log", ""),
			null(r, "rollback_of"),
			num(r, "summary.create", 3),
			num(r, "summary.total", 3),
			num(r, "summary.delete", 0),
			flag(r, "approval.required", false),
			str(r, "sign_off.status", ""),
			count(r, "phases", len(prod.Phases)),
			count(r, "artifacts", 1),
			num(r, "artifacts.0.id", f.artifact.ID),
			str(r, "artifacts.0.artifact_uri", "registry.example.com/shop/web:2.0.0"),
			str(r, "artifacts.0.registration_metadata", `{"commit":"0a1b2c3","pipeline":"ci-77"}`),
		}
		for i, p := range prod.Phases {
			checks = append(checks,
				str(r, fmt.Sprintf("phases.%d.name", i), p.Name),
				str(r, fmt.Sprintf("phases.%d.action", i), string(p.Action)),
				str(r, fmt.Sprintf("phases.%d.status", i), "SUCCEEDED"),
				num(r, fmt.Sprintf("phases.%d.duration_ms", i), *p.DurationMS()),
				set(r, fmt.Sprintf("phases.%d.started_at", i)),
			)
		}
		run(t, step(f.config(fmt.Sprintf(`data "shiplog_release" "r" { id = %d }`, prod.ID)), checks...))
	})

	t.Run("policy verdicts", func(t *testing.T) {
		if err := f.store.RecordPolicyChecks(context.Background(), staging.ID, "policy", []release.PolicyCheck{
			{Policy: "nodelete", Version: 3, Verdict: "deny", Overridable: true, Denials: []string{"terraform_data.db would be deleted"}},
			{Policy: "policies/tags.rego", Source: release.PolicyFromConfiguration, Verdict: "warn", Warnings: []string{"no owner tag"}},
		}); err != nil {
			t.Fatal(err)
		}
		run(t, step(f.config(fmt.Sprintf(`data "shiplog_release" "r" { id = %d }`, staging.ID)),
			count(r, "policy_checks", 2),
			str(r, "policy_checks.0.policy", "nodelete"),
			num(r, "policy_checks.0.version", 3),
			str(r, "policy_checks.0.verdict", "deny"),
			flag(r, "policy_checks.0.overridable", true),
			str(r, "policy_checks.0.denials.0", "terraform_data.db would be deleted"),
			str(r, "policy_checks.1.source", "configuration"),
			str(r, "policy_checks.1.warnings.0", "no owner tag"),
		))
	})

	t.Run("newest release of an environment", func(t *testing.T) {
		run(t,
			step(f.config(`
data "shiplog_release" "prod" {
  environment = "production"
  status      = "SUCCEEDED"
  template    = "terraform-apply"
}
data "shiplog_release" "staging" {
  environment     = "staging"
  deployment_type = "REGULAR"
}`),
				num("data.shiplog_release.prod", "id", prod.ID),
				count("data.shiplog_release.prod", "phases", len(prod.Phases)),
				count("data.shiplog_release.prod", "artifacts", 1),
				num("data.shiplog_release.staging", "id", staging.ID),
				num("data.shiplog_release.staging", "summary.create", 1),
			),
			fails(f.config(`
data "shiplog_release" "none" {
  environment = "production"
  template    = "terraform-destroy"
}`), errRe("Error: shiplog release not found", `environment = "production"`,
				`the newest release of environment "production", template "terraform-destroy"`)),
		)
	})

	t.Run("release type, unknown environment", func(t *testing.T) {
		// a plan recorded after the apply: the newest SUCCEEDED release of
		// production is a PLAN, the newest APPLY is still prod.
		plan := f.recordPlan(t, "production")
		run(t,
			step(f.config(`
data "shiplog_release" "newest" {
  environment = "production"
  status      = "SUCCEEDED"
}
data "shiplog_release" "deployed" {
  environment  = "production"
  status       = "SUCCEEDED"
  release_type = "APPLY"
}`),
				num("data.shiplog_release.newest", "id", plan.ID),
				str("data.shiplog_release.newest", "release_type", "PLAN"),
				num("data.shiplog_release.deployed", "id", prod.ID),
				str("data.shiplog_release.deployed", "release_type", "APPLY"),
			),
			fails(f.config(`data "shiplog_release" "r" { environment = "nowhere" }`),
				errRe("shiplog release not found", `environment = "nowhere"`, `environment "nowhere"`)),
		)
		run(t, fails(f.config(`
data "shiplog_release" "r" {
  environment  = "production"
  release_type = "BUILD"
}`), errRe("Invalid Attribute Value Match", `release_type = "BUILD"`)))
	})

	t.Run("wait_timeout", func(t *testing.T) {
		queued := f.queue(t, "staging")
		run(t, fails(f.config(`
data "shiplog_release" "r" {
  environment  = "staging"
  wait_timeout = "1s"
}`), errRe("shiplog release did not finish in time", fmt.Sprintf("Release %d did not finish within wait_timeout 1s", queued.ID), "QUEUED")))
		f.runWorker(t)
		run(t, step(f.config(`
data "shiplog_release" "r" {
  environment  = "staging"
  wait_timeout = "5m"
}`), num(r, "id", queued.ID), str(r, "status", "SUCCEEDED")))
	})

	t.Run("release not found", func(t *testing.T) {
		run(t, fails(f.config(`data "shiplog_release" "r" { id = 999999 }`),
			errRe("shiplog release not found", "id = 999999", "release 999999")))
	})

	t.Run("invalid lookups", func(t *testing.T) {
		run(t,
			fails(f.config(`
data "shiplog_release" "r" {
  id          = 1
  environment = "production"
}`), errRe("Invalid Attribute Combination", "id = 1", "2 attributes specified when one (and only one) of")),
			fails(f.config(`data "shiplog_release" "r" {}`),
				errRe("Invalid Attribute Combination", "No attribute specified when one (and only one) of")),
			fails(f.config(`
data "shiplog_release" "r" {
  environment = "production"
  status      = "DONE"
}`), errRe("Invalid Attribute Value Match", `status = "DONE"`, "must be one of")),
			fails(f.config(`
data "shiplog_release" "r" {
  id     = 1
  status = "FAILED"
}`), errRe("Invalid Attribute Combination", `status = "FAILED"`, "cannot be specified when")),
		)
	})
}
