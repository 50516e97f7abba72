package provider_test

import (
	"fmt"
	"testing"
)

func TestAccReleaseChangesDataSource(t *testing.T) {
	t.Parallel()
	accEnv(t)
	f := newFixture(t)
	prod, staging := f.prod, f.staging

	t.Run("release changes", func(t *testing.T) {
		const web = "data.shiplog_release_changes.web"
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
			count("data.shiplog_release_changes.all", "changes", 3),
			count(web, "changes", 1),
			str(web, "changes.0.address", "terraform_data.web"),
			str(web, "changes.0.action", "create"),
			str(web, "changes.0.modification", "created"),
			str(web, "changes.0.mode", "managed"),
			str(web, "changes.0.type", "terraform_data"),
			str(web, "changes.0.name", "web"),
			null(web, "changes.0.module_address"),
			null(web, "changes.0.index"),
			checkField(web, "input.image", map[string]string{
				"after": `"registry.example.com/shop/web:2.0.0"`, "sensitive": "false", "unknown": "false", "changed": "true",
			}),
			checkField(web, "input.replicas", map[string]string{"after": "2"}),
			count("data.shiplog_release_changes.deletes", "changes", 0),
		))
	})

	t.Run("sensitive values never reach state", func(t *testing.T) {
		const db = "data.shiplog_release_changes.db"
		run(t, step(f.config(fmt.Sprintf(`
data "shiplog_release_changes" "db" {
  release_id = %d
}`, staging.ID)),
			count(db, "changes", 1),
			checkField(db, "input.password", map[string]string{"sensitive": "true", "before": "", "after": ""}),
			checkField(db, "input.size", map[string]string{"after": "3", "sensitive": "false"}),
			noneHolds{secret: secretValue},
		))
	})

	t.Run("invalid lookups", func(t *testing.T) {
		run(t, fails(f.config(`
data "shiplog_release_changes" "c" {
  release_id = 1
  action     = "destroy"
}`), errRe("Invalid Attribute Value Match", `action = "destroy"`)))
	})
}
