package provider_test

import "testing"

func TestAccReleasesDataSource(t *testing.T) {
	accEnv(t)
	f := newFixture(t)
	prod, staging := f.prod, f.staging

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
			count("data.shiplog_releases.prod", "releases", 1),
			num("data.shiplog_releases.prod", "releases.0.id", prod.ID),
			str("data.shiplog_releases.prod", "releases.0.status", "SUCCEEDED"),
			num("data.shiplog_releases.prod", "releases.0.summary.create", 3),
			num("data.shiplog_releases.prod", "releases.0.duration_ms", *prod.DurationMS()),
			count("data.shiplog_releases.failed", "releases", 0),
			count("data.shiplog_releases.newest", "releases", 1),
			num("data.shiplog_releases.newest", "releases.0.id", staging.ID),
		))
	})

	t.Run("invalid lookups", func(t *testing.T) {
		run(t, fails(f.config(`data "shiplog_releases" "r" { status = "done" }`),
			errRe("Invalid Attribute Value Match", `status = "done"`)))
	})
}
