package provider_test

import (
	"fmt"
	"testing"
)

func TestAccArtifactDataSource(t *testing.T) {
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
				str(byID, "uri", "registry.example.com/shop/web:2.0.0"),
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
