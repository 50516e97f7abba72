package provider_test

import "testing"

func TestAccArtifactsDataSource(t *testing.T) {
	t.Parallel()
	accEnv(t)
	f := newFixture(t)

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
			count("data.shiplog_artifacts.all", "artifacts", 2),
			num("data.shiplog_artifacts.all", "artifacts.0.id", f.other.ID), // newest first
			count("data.shiplog_artifacts.web", "artifacts", 1),
			str("data.shiplog_artifacts.web", "artifacts.0.artifact_uri", "registry.example.com/shop/web:2.0.0"),
			count("data.shiplog_artifacts.one", "artifacts", 1),
			count("data.shiplog_artifacts.none", "artifacts", 0),
		))
	})

	t.Run("invalid lookups", func(t *testing.T) {
		run(t, fails(f.config(`data "shiplog_artifacts" "a" { limit = 0 }`),
			errRe("Invalid Attribute Value", "limit = 0", "between 1 and 500")))
	})
}
