package provider_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// shiplog_schedule creates a schedule, disables it in place, is imported
// by <environment>/<id>, and a bad cron is an error naming the attribute.
func TestAccScheduleResource(t *testing.T) {
	t.Parallel()
	accEnv(t)
	s := newServer(t)
	s.environment(t, "shop", `resource "terraform_data" "a" { input = "v1" }`)
	const name = "shiplog_schedule.nightly"
	schedule := func(enabled string) string {
		return s.writer(`resource "shiplog_schedule" "nightly" {
  environment = "shop"
  name        = "nightly"
  cron        = "30 2 * * *"
  time_zone   = "Europe/Berlin"
  enabled     = ` + enabled + `
}
`)
	}
	run(t,
		step(schedule("true"), str(name, "template", "full-plan"), flag(name, "enabled", true),
			statecheck.ExpectKnownValue(name, at("next_at"), knownvalue.NotNull())),
		step(schedule("false"), flag(name, "enabled", false), statecheck.ExpectKnownValue(name, at("next_at"), knownvalue.Null())),
		resource.TestStep{Config: schedule("false"), ResourceName: name, ImportState: true, ImportStateVerify: true,
			ImportStateIdFunc: func(st *terraform.State) (string, error) {
				return "shop/" + st.RootModule().Resources[name].Primary.ID, nil
			}},
	)
	l, err := s.admin.ListSchedules(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Schedules) != 0 {
		t.Errorf("%d schedules left after destroy", len(l.Schedules))
	}
	run(t, fails(s.writer(`resource "shiplog_schedule" "bad" {
  environment = "shop"
  name        = "bad"
  cron        = "0 3 * *"
}
`), errRe("cron")))
}
