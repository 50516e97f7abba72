package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// errRe matches Terraform's error output, which wraps lines: the parts are
// literal, spaces match any white space, and parts may be far apart.
func errRe(parts ...string) *regexp.Regexp {
	for i, p := range parts {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		parts[i] = strings.Join(words, `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

// step is one plan-and-apply of config, checked.
func step(config string, checks ...resource.TestCheckFunc) resource.TestStep {
	return resource.TestStep{Config: config, Check: resource.ComposeAggregateTestCheckFunc(checks...)}
}

// fails is one step of config that must fail with an error matching re.
func fails(config string, re *regexp.Regexp) resource.TestStep {
	return resource.TestStep{Config: config, ExpectError: re}
}

func run(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: factories, Steps: steps})
}

func attr(name, key, value string) resource.TestCheckFunc {
	return resource.TestCheckResourceAttr(name, key, value)
}

// The data sources read real releases, run by the real worker, through a
// real API server.
func TestAcc(t *testing.T) {
	accEnv(t)
	f := newFixture(t)
	prod, staging := f.prod, f.staging

	t.Run("release by id", func(t *testing.T) {
		checks := []resource.TestCheckFunc{
			attr("data.shiplog_release.r", "id", fmt.Sprint(prod.ID)),
			attr("data.shiplog_release.r", "environment", "production"),
			attr("data.shiplog_release.r", "namespace", prod.Namespace),
			attr("data.shiplog_release.r", "status", "SUCCEEDED"),
			attr("data.shiplog_release.r", "template", "terraform-apply"),
			attr("data.shiplog_release.r", "template_namespace", prod.TemplateNamespace),
			attr("data.shiplog_release.r", "release_type", "APPLY"),
			attr("data.shiplog_release.r", "deployment_type", "REGULAR"),
			attr("data.shiplog_release.r", "triggered_by", "admin"),
			attr("data.shiplog_release.r", "blueprint_version", prod.BlueprintVersion),
			attr("data.shiplog_release.r", "created_at", prod.CreatedAt.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")),
			resource.TestCheckResourceAttrSet("data.shiplog_release.r", "queued_at"),
			resource.TestCheckResourceAttrSet("data.shiplog_release.r", "started_at"),
			resource.TestCheckResourceAttrSet("data.shiplog_release.r", "finished_at"),
			attr("data.shiplog_release.r", "duration_ms", fmt.Sprint(*prod.DurationMS())),
			attr("data.shiplog_release.r", "targets.#", "0"),
			attr("data.shiplog_release.r", "error_log", ""),
			resource.TestCheckNoResourceAttr("data.shiplog_release.r", "rollback_of"),
			attr("data.shiplog_release.r", "summary.create", "3"),
			attr("data.shiplog_release.r", "summary.total", "3"),
			attr("data.shiplog_release.r", "summary.delete", "0"),
			attr("data.shiplog_release.r", "approval.required", "false"),
			attr("data.shiplog_release.r", "sign_off.status", ""),
			attr("data.shiplog_release.r", "phases.#", fmt.Sprint(len(prod.Phases))),
			attr("data.shiplog_release.r", "artifacts.#", "1"),
			attr("data.shiplog_release.r", "artifacts.0.id", fmt.Sprint(f.artifact.ID)),
			attr("data.shiplog_release.r", "artifacts.0.uri", "registry.example.com/shop/web:2.0.0"),
			attr("data.shiplog_release.r", "artifacts.0.registration_metadata", `{"commit":"0a1b2c3","pipeline":"ci-77"}`),
		}
		for i, p := range prod.Phases {
			checks = append(checks,
				attr("data.shiplog_release.r", fmt.Sprintf("phases.%d.name", i), p.Name),
				attr("data.shiplog_release.r", fmt.Sprintf("phases.%d.action", i), string(p.Action)),
				attr("data.shiplog_release.r", fmt.Sprintf("phases.%d.status", i), "SUCCEEDED"),
				attr("data.shiplog_release.r", fmt.Sprintf("phases.%d.duration_ms", i), fmt.Sprint(*p.DurationMS())),
				resource.TestCheckResourceAttrSet("data.shiplog_release.r", fmt.Sprintf("phases.%d.started_at", i)),
			)
		}
		run(t, step(f.config(fmt.Sprintf(`data "shiplog_release" "r" { id = %d }`, prod.ID)), checks...))
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
				attr("data.shiplog_release.prod", "id", fmt.Sprint(prod.ID)),
				attr("data.shiplog_release.prod", "phases.#", fmt.Sprint(len(prod.Phases))),
				attr("data.shiplog_release.prod", "artifacts.#", "1"),
				attr("data.shiplog_release.staging", "id", fmt.Sprint(staging.ID)),
				attr("data.shiplog_release.staging", "summary.create", "1"),
			),
			fails(f.config(`
data "shiplog_release" "none" {
  environment = "production"
  template    = "terraform-destroy"
}`), errRe("Error: shiplog release not found", `environment = "production"`,
				`the newest release of environment "production", template "terraform-destroy"`)),
		)
	})

	t.Run("release not found", func(t *testing.T) {
		run(t, fails(f.config(`data "shiplog_release" "r" { id = 999999 }`),
			errRe("shiplog release not found", "id = 999999", "release 999999")))
	})

	t.Run("releases", func(t *testing.T) {
		run(t, step(f.config(`
data "shiplog_releases" "prod" {
  environment = "production"
}
data "shiplog_releases" "failed" {
  status = "FAILED"
}
data "shiplog_releases" "newest" {
  limit = 1
}`),
			attr("data.shiplog_releases.prod", "releases.#", "1"),
			attr("data.shiplog_releases.prod", "releases.0.id", fmt.Sprint(prod.ID)),
			attr("data.shiplog_releases.prod", "releases.0.status", "SUCCEEDED"),
			attr("data.shiplog_releases.prod", "releases.0.summary.create", "3"),
			attr("data.shiplog_releases.prod", "releases.0.duration_ms", fmt.Sprint(*prod.DurationMS())),
			attr("data.shiplog_releases.failed", "releases.#", "0"),
			attr("data.shiplog_releases.newest", "releases.#", "1"),
			attr("data.shiplog_releases.newest", "releases.0.id", fmt.Sprint(staging.ID)),
		))
	})

	t.Run("release changes", func(t *testing.T) {
		run(t, step(f.config(fmt.Sprintf(`
data "shiplog_release_changes" "all" {
  release_id = %[1]d
}
data "shiplog_release_changes" "web" {
  release_id     = %[1]d
  action         = "create"
  type           = "terraform_data"
  module         = "root"
  address_prefix = "terraform_data.web"
}
data "shiplog_release_changes" "deletes" {
  release_id = %[1]d
  action     = "delete"
}`, prod.ID)),
			attr("data.shiplog_release_changes.all", "changes.#", "3"),
			attr("data.shiplog_release_changes.web", "changes.#", "1"),
			attr("data.shiplog_release_changes.web", "changes.0.address", "terraform_data.web"),
			attr("data.shiplog_release_changes.web", "changes.0.action", "create"),
			attr("data.shiplog_release_changes.web", "changes.0.modification", "created"),
			attr("data.shiplog_release_changes.web", "changes.0.mode", "managed"),
			attr("data.shiplog_release_changes.web", "changes.0.type", "terraform_data"),
			attr("data.shiplog_release_changes.web", "changes.0.name", "web"),
			resource.TestCheckNoResourceAttr("data.shiplog_release_changes.web", "changes.0.module_address"),
			resource.TestCheckNoResourceAttr("data.shiplog_release_changes.web", "changes.0.index"),
			checkField("data.shiplog_release_changes.web", "input.image", map[string]string{
				"after": `"registry.example.com/shop/web:2.0.0"`, "sensitive": "false", "unknown": "false", "changed": "true",
			}),
			checkField("data.shiplog_release_changes.web", "input.replicas", map[string]string{"after": "2"}),
			attr("data.shiplog_release_changes.deletes", "changes.#", "0"),
		))
	})

	t.Run("sensitive values never reach state", func(t *testing.T) {
		run(t, step(f.config(fmt.Sprintf(`
data "shiplog_release_changes" "db" {
  release_id = %d
}`, staging.ID)),
			attr("data.shiplog_release_changes.db", "changes.#", "1"),
			checkField("data.shiplog_release_changes.db", "input.password", map[string]string{"sensitive": "true", "before": "", "after": ""}),
			checkField("data.shiplog_release_changes.db", "input.size", map[string]string{"after": "3", "sensitive": "false"}),
			func(s *terraform.State) error {
				for name, r := range s.RootModule().Resources {
					for k, v := range r.Primary.Attributes {
						if strings.Contains(v, secretValue) {
							return fmt.Errorf("%s.%s holds the sensitive value", name, k)
						}
					}
				}
				return nil
			},
		))
	})

	t.Run("artifact", func(t *testing.T) {
		run(t,
			step(f.config(fmt.Sprintf(`
data "shiplog_artifact" "by_id" {
  id = %d
}
data "shiplog_artifact" "by_app" {
  app_name   = "web"
  stack_name = "eu"
}
data "shiplog_artifact" "by_app_only" {
  app_name = "api"
}
data "shiplog_artifact" "by_build" {
  build_id = "build-43"
}`, f.artifact.ID)),
				attr("data.shiplog_artifact.by_id", "uri", "registry.example.com/shop/web:2.0.0"),
				attr("data.shiplog_artifact.by_id", "build_id", "build-42"),
				attr("data.shiplog_artifact.by_id", "app_name", "web"),
				attr("data.shiplog_artifact.by_id", "stack_name", "eu"),
				attr("data.shiplog_artifact.by_id", "registration_metadata", `{"commit":"0a1b2c3","pipeline":"ci-77"}`),
				resource.TestCheckResourceAttrSet("data.shiplog_artifact.by_id", "created_at"),
				attr("data.shiplog_artifact.by_app", "id", fmt.Sprint(f.artifact.ID)),
				attr("data.shiplog_artifact.by_app_only", "id", fmt.Sprint(f.other.ID)),
				attr("data.shiplog_artifact.by_app_only", "registration_metadata", `{"tests":{"passed":120,"ratio":0.25}}`),
				attr("data.shiplog_artifact.by_build", "id", fmt.Sprint(f.other.ID)),
				attr("data.shiplog_artifact.by_build", "app_name", "api"),
			),
			fails(f.config(`data "shiplog_artifact" "a" { app_name = "nope" }`),
				errRe("shiplog artifact not found", `app_name = "nope"`, `the newest artifact of app "nope"`)),
			fails(f.config(`data "shiplog_artifact" "a" { build_id = "no-such-build" }`),
				errRe("shiplog artifact not found", `build_id = "no-such-build"`, `build ID "no-such-build"`)),
			fails(f.config(`data "shiplog_artifact" "a" { id = 424242 }`),
				errRe("shiplog artifact not found", "id = 424242", "artifact 424242")),
		)
	})

	t.Run("artifacts", func(t *testing.T) {
		run(t, step(f.config(`
data "shiplog_artifacts" "all" {}
data "shiplog_artifacts" "web" {
  app_name = "web"
}
data "shiplog_artifacts" "one" {
  limit = 1
}
data "shiplog_artifacts" "none" {
  build_id = "no-such-build"
}`),
			attr("data.shiplog_artifacts.all", "artifacts.#", "2"),
			attr("data.shiplog_artifacts.all", "artifacts.0.id", fmt.Sprint(f.other.ID)), // newest first
			attr("data.shiplog_artifacts.web", "artifacts.#", "1"),
			attr("data.shiplog_artifacts.web", "artifacts.0.uri", "registry.example.com/shop/web:2.0.0"),
			attr("data.shiplog_artifacts.one", "artifacts.#", "1"),
			attr("data.shiplog_artifacts.none", "artifacts.#", "0"),
		))
	})

	t.Run("resource status", func(t *testing.T) {
		run(t,
			step(f.config(`
data "shiplog_resource_status" "all" {
  environment = "production"
}
data "shiplog_resource_status" "web" {
  environment = "production"
  address     = "terraform_data.web"
}`),
				attr("data.shiplog_resource_status.all", "resources.#", "3"),
				resource.TestCheckNoResourceAttr("data.shiplog_resource_status.all", "sync_status"),
				attr("data.shiplog_resource_status.web", "resources.#", "1"),
				attr("data.shiplog_resource_status.web", "resources.0.address", "terraform_data.web"),
				attr("data.shiplog_resource_status.web", "sync_status", string(release.InSync)),
				attr("data.shiplog_resource_status.web", "release_status", string(release.ResourceCompleted)),
				attr("data.shiplog_resource_status.web", "health_status", string(release.Unknown)),
				attr("data.shiplog_resource_status.web", "live_artifact_url", "registry.example.com/shop/web:2.0.0"),
				attr("data.shiplog_resource_status.web", "current_artifact_url", "registry.example.com/shop/web:2.0.0"),
				attr("data.shiplog_resource_status.web", "live_blueprint_version", prod.BlueprintVersion),
				attr("data.shiplog_resource_status.web", "current_blueprint_version", prod.BlueprintVersion),
				attr("data.shiplog_resource_status.web", "last_release_id", fmt.Sprint(prod.ID)),
				resource.TestCheckResourceAttrSet("data.shiplog_resource_status.web", "updated_at"),
			),
			fails(f.config(`
data "shiplog_resource_status" "x" {
  environment = "production"
  address     = "terraform_data.nope"
}`), errRe("shiplog resource status not found", `address = "terraform_data.nope"`, `resource "terraform_data.nope" of environment "production"`)),
			fails(f.config(`
data "shiplog_resource_status" "x" {
  environment = "nowhere"
}`), errRe("shiplog resource status not found", `environment = "nowhere"`, `environment "nowhere"`)),
		)
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
			fails(f.config(`data "shiplog_releases" "r" { status = "done" }`),
				errRe("Invalid Attribute Value Match", `status = "done"`)),
			fails(f.config(`data "shiplog_artifact" "a" { stack_name = "eu" }`),
				errRe("Invalid Attribute Combination")),
			fails(f.config(`
data "shiplog_artifact" "a" {
  id       = 1
  build_id = "b"
}`), errRe("Invalid Attribute Combination", "2 attributes specified")),
			fails(f.config(`data "shiplog_artifacts" "a" { limit = 0 }`),
				errRe("Invalid Attribute Value", "limit = 0", "between 1 and 500")),
			fails(f.config(`
data "shiplog_release_changes" "c" {
  release_id = 1
  action     = "destroy"
}`), errRe("Invalid Attribute Value Match", `action = "destroy"`)),
		)
	})

	t.Run("provider configuration", func(t *testing.T) {
		read := fmt.Sprintf(`data "shiplog_release" "r" { id = %d }`, prod.ID)
		run(t,
			fails(`provider "shiplog" {}`+"\n"+read,
				errRe("Missing shiplog endpoint", "SHIPLOG_ENDPOINT")),
			fails(providerBlock(f.endpoint, "")+read, errRe("Missing shiplog token", "SHIPLOG_TOKEN")),
			fails(providerBlock(f.endpoint, "shiplog_not-a-token")+read,
				errRe("shiplog refused the token", `token = "shiplog_not-a-token"`, "did not accept the token")),
			fails(providerBlock(f.endpoint, f.tokens["approver"])+read,
				errRe("shiplog token lacks the read scope")),
			fails(providerBlock("localhost:8080", f.tokens["reader"])+read,
				errRe("Invalid shiplog endpoint", `endpoint = "localhost:8080"`)),
			fails(providerBlock(f.endpoint, f.tokens["reader"], `  timeout = "soon"`)+read,
				errRe("Invalid duration", `timeout = "soon"`)),
		)
		// The environment variables stand in for the attributes.
		t.Setenv("SHIPLOG_ENDPOINT", f.endpoint)
		t.Setenv("SHIPLOG_TOKEN", f.tokens["reader"])
		run(t, step(`provider "shiplog" {}`+"\n"+read, attr("data.shiplog_release.r", "status", "SUCCEEDED")))
	})

	t.Run("server that does not answer", func(t *testing.T) {
		run(t, fails(providerBlock(silentEndpoint(t), f.tokens["reader"], `  timeout = "1s"`)+
			fmt.Sprintf(`data "shiplog_release" "r" { id = %d }`, prod.ID),
			errRe("shiplog server did not answer", "endpoint = ", "within 1s")))
	})
}

// A server whose database breaks under it answers 500: the error lands on
// the attribute of the failed lookup and says what was being read.
func TestAccServerError(t *testing.T) {
	accEnv(t)
	s := newServer(t)
	ctx := context.Background()
	a, err := s.admin.RegisterArtifact(ctx, apiwire.ArtifactRequest{URI: "registry.example.com/x:1", AppName: "x"})
	if err != nil {
		t.Fatal(err)
	}
	// Listing releases (the provider's token check) still works; reading
	// artifacts fails inside the server.
	if _, err := s.store.Pool().Exec(ctx, `ALTER TABLE artifacts RENAME TO artifacts_gone`); err != nil {
		t.Fatal(err)
	}
	run(t, fails(s.config(fmt.Sprintf(`data "shiplog_artifact" "a" { id = %d }`, a.ID)),
		errRe("shiplog server error", fmt.Sprintf("id = %d", a.ID), fmt.Sprintf("artifact %d", a.ID), "internal")))
}

// checkField finds the field at path in the changes of data source name and
// checks its attributes; want[k] == "" means k must be null.
func checkField(name, path string, want map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		r, ok := s.RootModule().Resources[name]
		if !ok {
			return fmt.Errorf("%s is not in state", name)
		}
		attrs := r.Primary.Attributes
		for k, v := range attrs {
			if !strings.HasSuffix(k, ".path") || v != path || !strings.HasPrefix(k, "changes.") {
				continue
			}
			prefix := strings.TrimSuffix(k, "path")
			for wk, wv := range want {
				got, set := attrs[prefix+wk]
				switch {
				case wv == "" && set:
					return fmt.Errorf("%s: field %s: %s = %q, want null", name, path, wk, got)
				case wv != "" && got != wv:
					return fmt.Errorf("%s: field %s: %s = %q, want %q", name, path, wk, got, wv)
				}
			}
			return nil
		}
		var paths []string
		for k, v := range attrs {
			if strings.HasSuffix(k, ".path") {
				paths = append(paths, v)
			}
		}
		b, _ := json.Marshal(paths)
		return fmt.Errorf("%s: no field %s among %s", name, path, b)
	}
}
