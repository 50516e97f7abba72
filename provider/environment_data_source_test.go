package provider_test

import (
	"testing"
)

func TestAccEnvironmentDataSource(t *testing.T) {
	t.Parallel()
	accEnv(t)
	f := newFixture(t)
	const e = "data.shiplog_environment.prod"

	t.Run("environment", func(t *testing.T) {
		run(t, step(f.config(`
data "shiplog_environment" "prod" {
  name = "production"
}
data "shiplog_environment" "staging" {
  name = "staging"
}`),
			str(e, "name", "production"),
			set(e, "source_dir"),
			flag(e, "approval_required", false),
			num(e, "last_release.id", f.prod.ID),
			str(e, "last_release.status", "SUCCEEDED"),
			str(e, "last_release.release_type", "APPLY"),
			num(e, "resources.total", 3),
			num(e, "resources.by_sync.IN_SYNC", 3),
			num(e, "resources.by_health.UNKNOWN", 3),
			count("data.shiplog_environment.staging", "sensitive_variables", 1),
			str("data.shiplog_environment.staging", "sensitive_variables.0", "db_password"),
			noneHolds{secretValue},
		))
	})

	t.Run("unknown environment", func(t *testing.T) {
		run(t, fails(f.config(`data "shiplog_environment" "x" { name = "nowhere" }`),
			errRe("shiplog environment not found", `name = "nowhere"`, `environment "nowhere"`)))
	})
}
