package provider_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// shiplog_artifact and shiplog_release trigger real releases, run by a real
// worker with the real terraform, from HCL.
func TestAccReleaseResource(t *testing.T) {
	t.Parallel()
	accEnv(t)
	s := newServer(t)
	s.environment(t, "shop", `
variable "shiplog_artifacts" {
  type    = list(object({ artifact_uri = string, build_id = string, stack_name = string, app_name = string, registration_metadata = map(string) }))
  default = []
}
variable "replicas" {
  type    = number
  default = 1
}
resource "terraform_data" "web" {
  input = { image = var.shiplog_artifacts[0].artifact_uri, replicas = var.replicas }
}
output "image" {
  value = terraform_data.web.output.image
}
output "replicas" {
  value = terraform_data.web.output.replicas
}
output "token" {
  value     = "s3cr3t-${var.replicas}"
  sensitive = true
}`)
	s.environment(t, "broken", `
resource "terraform_data" "x" {
  input = file("no-such-file.txt")
}`)
	s.runWorker(t)

	t.Run("register and release", func(t *testing.T) {
		const cfg = `
resource "shiplog_artifact" "web" {
  artifact_uri          = "registry.example.com/shop/web:%s"
  app_name              = "web"
  stack_name            = "eu"
  build_id              = "b-%s"
  registration_metadata = jsonencode({ commit = "0a1b2c3" })
}
resource "shiplog_release" "shop" {
  environment = "shop"
  template    = "terraform-apply"
  artifacts   = [shiplog_artifact.web.id]
  variables   = { replicas = "3" }
}
data "shiplog_artifact" "deployed" {
  app_name    = "web"
  environment = "shop"
  deployed    = true
  depends_on  = [shiplog_release.shop]
}
data "shiplog_outputs" "shop" {
  environment = "shop"
  depends_on  = [shiplog_release.shop]
}`
		var first int64
		resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: factories, Steps: []resource.TestStep{
			{
				Config: s.writer(fmt.Sprintf(cfg, "3.0.0", "1")),
				ConfigStateChecks: []statecheck.StateCheck{
					str("shiplog_artifact.web", "artifact_uri", "registry.example.com/shop/web:3.0.0"),
					str("shiplog_artifact.web", "registration_metadata", `{"commit":"0a1b2c3"}`),
					str("shiplog_release.shop", "status", "SUCCEEDED"),
					str("shiplog_release.shop", "release_type", "APPLY"),
					str("shiplog_release.shop", "template", "terraform-apply"),
					str("shiplog_release.shop", "error_log", ""),
					set("shiplog_release.shop", "finished_at"),
					str("data.shiplog_artifact.deployed", "artifact_uri", "registry.example.com/shop/web:3.0.0"),
					statecheck.CompareValuePairs("data.shiplog_artifact.deployed", at("id"), "shiplog_artifact.web", at("id"), compare.ValuesSame()),
					remember("shiplog_release.shop", &first),
					str("data.shiplog_outputs.shop", "nonsensitive_values.image", "registry.example.com/shop/web:3.0.0"),
					statecheck.ExpectKnownValue("data.shiplog_outputs.shop", at("nonsensitive_values.replicas"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue("data.shiplog_outputs.shop", at("sensitive_outputs"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("token")})),
					null("data.shiplog_outputs.shop", "values.token"),
					statecheck.CompareValuePairs("data.shiplog_outputs.shop", at("release_id"), "shiplog_release.shop", at("id"), compare.ValuesSame()),
					noneHolds{"s3cr3t-3"},
				},
			},
			{
				// the same configuration: nothing to do
				Config:             s.writer(fmt.Sprintf(cfg, "3.0.0", "1")),
				PlanOnly:           true,
				ExpectNonEmptyPlan: false,
			},
			{
				// a new build: a new artifact and a new release
				Config: s.writer(fmt.Sprintf(cfg, "3.1.0", "2")),
				ConfigStateChecks: []statecheck.StateCheck{
					str("shiplog_release.shop", "status", "SUCCEEDED"),
					str("data.shiplog_artifact.deployed", "artifact_uri", "registry.example.com/shop/web:3.1.0"),
					str("data.shiplog_outputs.shop", "nonsensitive_values.image", "registry.example.com/shop/web:3.1.0"),
					notEqual("shiplog_release.shop", &first),
				},
			},
		}})
		r, err := s.admin.LatestRelease(context.Background(), client.ReleaseFilter{Environment: "shop"})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Artifacts) != 1 || r.Artifacts[0].URI != "registry.example.com/shop/web:3.1.0" {
			t.Fatalf("the newest release of shop deployed %+v, want registry.example.com/shop/web:3.1.0", r.Artifacts)
		}
		if r.Status != release.StatusSucceeded {
			t.Fatalf("the newest release of shop is %s, want SUCCEEDED", r.Status)
		}
	})

	t.Run("a release that fails fails the apply", func(t *testing.T) {
		run(t, fails(s.writer(`
resource "shiplog_release" "broken" {
  environment = "broken"
  template    = "terraform-apply"
}`), errRe("shiplog release", "FAILED", "of broken ended FAILED", "shiplog release logs")))
	})

	t.Run("queued without waiting", func(t *testing.T) {
		run(t, step(s.writer(`
resource "shiplog_release" "plan" {
  environment         = "shop"
  template            = "full-plan"
  wait_for_completion = false
}`), str("shiplog_release.plan", "release_type", "PLAN"), set("shiplog_release.plan", "status")))
	})

	t.Run("invalid", func(t *testing.T) {
		run(t,
			fails(s.writer(`
resource "shiplog_release" "x" {
  environment = "no-such-env"
}`), errRe("no-such-env")),
			fails(s.config(`data "shiplog_outputs" "x" { environment = "no-such-env" }`),
				errRe("shiplog outputs not found", `environment "no-such-env"`)),
			fails(s.writer(`
resource "shiplog_artifact" "x" {
  artifact_uri          = "x"
  registration_metadata = "[1]"
}`), errRe("Invalid JSON object", "registration_metadata")),
		)
	})
}

// remember stores the id of resource name in *id.
func remember(name string, id *int64) statecheck.StateCheck {
	return idCheck{name: name, id: id}
}

// notEqual checks that the id of resource name differs from *id.
func notEqual(name string, id *int64) statecheck.StateCheck {
	return idCheck{name: name, id: id, differ: true}
}

type idCheck struct {
	name   string
	id     *int64
	differ bool
}

func (c idCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	attrs, err := stateAttributes(req, c.name)
	if err != nil {
		resp.Error = err
		return
	}
	got, err := strconv.ParseInt(fmt.Sprint(attrs["id"]), 10, 64)
	if err != nil {
		resp.Error = fmt.Errorf("%s: id %v is not a whole number", c.name, attrs["id"])
		return
	}
	switch {
	case !c.differ:
		*c.id = got
	case got == *c.id:
		resp.Error = fmt.Errorf("%s: id is still %d, want a new release", c.name, got)
	}
}
