package provider_test

import (
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

func TestAccResourceStatusDataSource(t *testing.T) {
	t.Parallel()
	accEnv(t)
	f := newFixture(t)
	prod := f.prod

	t.Run("resource status", func(t *testing.T) {
		const web = "data.shiplog_resource_status.web"
		run(t,
			step(f.config(`
data "shiplog_resource_status" "all" {
  environment = "production"
}
data "shiplog_resource_status" "web" {
  environment = "production"
  address     = "terraform_data.web"
}`),
				count("data.shiplog_resource_status.all", "resources", 3),
				null("data.shiplog_resource_status.all", "sync_status"),
				count(web, "resources", 1),
				str(web, "resources.0.address", "terraform_data.web"),
				str(web, "sync_status", string(release.InSync)),
				str(web, "release_status", string(release.ResourceCompleted)),
				str(web, "health_status", string(release.Unknown)),
				str(web, "live_artifact_url", "registry.example.com/shop/web:2.0.0"),
				str(web, "current_artifact_url", "registry.example.com/shop/web:2.0.0"),
				str(web, "live_blueprint_version", prod.BlueprintVersion),
				str(web, "current_blueprint_version", prod.BlueprintVersion),
				num(web, "last_release_id", prod.ID),
				set(web, "updated_at"),
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
}
