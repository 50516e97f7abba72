package provider_test

import (
	"fmt"
	"testing"
	"time"
)

func TestAccReleasesDataSource(t *testing.T) {
	t.Parallel()
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

	t.Run("filters", func(t *testing.T) {
		f.recordPlan(t, "production")
		run(t,
			step(f.config(fmt.Sprintf(`
data "shiplog_releases" "applies" {
  environment  = "production"
  statuses     = ["FAILED", "SUCCEEDED"]
  release_type = "APPLY"
  triggered_by = "admin"
}
data "shiplog_releases" "all" {
  environment = "production"
}
data "shiplog_releases" "window" {
  environment    = "production"
  created_after  = %q
  created_before = %q
}
data "shiplog_releases" "later" {
  created_after = "2999-01-01T00:00:00Z"
}
data "shiplog_releases" "nobody" {
  triggered_by = "nobody"
}`, prod.CreatedAt.UTC().Format(time.RFC3339Nano), prod.CreatedAt.Add(time.Microsecond).UTC().Format(time.RFC3339Nano))),
				count("data.shiplog_releases.applies", "releases", 1),
				num("data.shiplog_releases.applies", "releases.0.id", prod.ID),
				count("data.shiplog_releases.all", "releases", 2),
				count("data.shiplog_releases.window", "releases", 1),
				num("data.shiplog_releases.window", "releases.0.id", prod.ID),
				count("data.shiplog_releases.later", "releases", 0),
				count("data.shiplog_releases.nobody", "releases", 0),
			),
			fails(f.config(`data "shiplog_releases" "r" { environment = "nowhere" }`),
				errRe("shiplog releases not found", `environment = "nowhere"`)),
		)
		run(t, fails(f.config(`
data "shiplog_releases" "r" {
  status   = "FAILED"
  statuses = ["FAILED"]
}`), errRe("Invalid Attribute Combination")),
			fails(f.config(`data "shiplog_releases" "r" { created_after = "yesterday" }`),
				errRe("Invalid time", `"yesterday" is not an RFC 3339 time`)),
		)
	})

	t.Run("invalid lookups", func(t *testing.T) {
		run(t, fails(f.config(`data "shiplog_releases" "r" { status = "done" }`),
			errRe("Invalid Attribute Value Match", `status = "done"`)))
	})
}
