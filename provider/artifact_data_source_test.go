package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

func TestAccArtifactDataSource(t *testing.T) {
	t.Parallel()
	accEnv(t)
	f := newFixture(t)

	t.Run("artifact", func(t *testing.T) {
		const byID = "data.shiplog_artifact.by_id"
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
				str(byID, "artifact_uri", "registry.example.com/shop/web:2.0.0"),
				str(byID, "build_id", "build-42"),
				str(byID, "app_name", "web"),
				str(byID, "stack_name", "eu"),
				str(byID, "registration_metadata", `{"commit":"0a1b2c3","pipeline":"ci-77"}`),
				set(byID, "created_at"),
				num("data.shiplog_artifact.by_app", "id", f.artifact.ID),
				num("data.shiplog_artifact.by_app_only", "id", f.other.ID),
				str("data.shiplog_artifact.by_app_only", "registration_metadata", `{"tests":{"passed":120,"ratio":0.25}}`),
				num("data.shiplog_artifact.by_build", "id", f.other.ID),
				str("data.shiplog_artifact.by_build", "app_name", "api"),
			),
			fails(f.config(`data "shiplog_artifact" "a" { app_name = "nope" }`),
				errRe("shiplog artifact not found", `app_name = "nope"`, `the newest artifact of app "nope"`)),
			fails(f.config(`data "shiplog_artifact" "a" { build_id = "no-such-build" }`),
				errRe("shiplog artifact not found", `build_id = "no-such-build"`, `build ID "no-such-build"`)),
			fails(f.config(`data "shiplog_artifact" "a" { id = 424242 }`),
				errRe("shiplog artifact not found", "id = 424242", "artifact 424242")),
		)
	})

	t.Run("deployed to an environment", func(t *testing.T) {
		// a newer build of web, registered but never deployed
		newer, err := f.admin.RegisterArtifact(context.Background(), apiwire.ArtifactRequest{URI: "registry.example.com/shop/web:2.1.0", AppName: "web", StackName: "eu"})
		if err != nil {
			t.Fatal(err)
		}
		run(t,
			step(f.config(`
data "shiplog_artifact" "registered" {
  app_name   = "web"
  stack_name = "eu"
}
data "shiplog_artifact" "deployed" {
  app_name    = "web"
  stack_name  = "eu"
  environment = "production"
  deployed    = true
}
data "shiplog_artifact" "by_build" {
  build_id    = "build-42"
  environment = "production"
  deployed    = true
}`),
				num("data.shiplog_artifact.registered", "id", newer.ID),
				num("data.shiplog_artifact.deployed", "id", f.artifact.ID),
				num("data.shiplog_artifact.by_build", "id", f.artifact.ID),
			),
			fails(f.config(`
data "shiplog_artifact" "a" {
  app_name    = "web"
  environment = "staging"
  deployed    = true
}`), errRe("shiplog artifact not found", `deployed to "staging"`)),
			fails(f.config(`
data "shiplog_artifact" "a" {
  app_name    = "web"
  environment = "nowhere"
  deployed    = true
}`), errRe("shiplog artifact not found", `environment "nowhere"`)),
		)
		run(t, fails(f.config(`
data "shiplog_artifact" "a" {
  app_name    = "web"
  environment = "production"
  deployed    = false
}`), errRe("Invalid deployed", "deployed = false is not a filter")),
			fails(f.config(`
data "shiplog_artifact" "a" {
  app_name    = "web"
  environment = "production"
}`), errRe("Invalid Attribute Combination")),
		)
	})

	t.Run("invalid lookups", func(t *testing.T) {
		run(t,
			fails(f.config(`data "shiplog_artifact" "a" { stack_name = "eu" }`),
				errRe("Invalid Attribute Combination")),
			fails(f.config(`
data "shiplog_artifact" "a" {
  id       = 1
  build_id = "b"
}`), errRe("Invalid Attribute Combination", "2 attributes specified")),
		)
	})
}
