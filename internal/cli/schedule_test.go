package cli_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// scheduledEnv is a server with environment "e".
func scheduledEnv(t *testing.T) func(string) map[string]string {
	t.Helper()
	as, _ := apiServerStore(t)
	mustRun(t, as("admin"), "env", "create", "e", "--dir", t.TempDir())
	return as
}

// Not parallel: run sets the process environment (SHIPLOG_*).
func TestScheduleCommands(t *testing.T) {
	t.Run("create, list, disable, enable, delete", func(t *testing.T) {
		as := scheduledEnv(t)
		sc := decode[release.Schedule](t, mustRun(t, as("ci"), "schedule", "create", "nightly", "--env", "e",
			"--cron", "30 2 * * *", "--time-zone", "Europe/Berlin", "-o", "json"))
		if sc.Template != "full-plan" || sc.TimeZone != "Europe/Berlin" || !sc.Enabled {
			t.Fatalf("created %+v, want an enabled full-plan in Europe/Berlin", sc)
		}
		out := mustRun(t, as("ci"), "schedule", "list", "--env", "e", "-o", "table")
		if !strings.Contains(out, "nightly") || !strings.Contains(out, "CE") {
			t.Errorf("list does not show the schedule with its next run in its time zone:\n%s", out)
		}
		id := fmt.Sprint(sc.ID)
		if got := decode[release.Schedule](t, mustRun(t, as("ci"), "schedule", "disable", id, "--env", "e", "-o", "json")); got.Enabled {
			t.Error("disable left it enabled")
		}
		if out := mustRun(t, as("ci"), "schedule", "list", "--env", "e", "-o", "table"); !strings.Contains(out, "disabled") {
			t.Errorf("list does not say it is disabled:\n%s", out)
		}
		if got := decode[release.Schedule](t, mustRun(t, as("ci"), "schedule", "enable", id, "--env", "e", "-o", "json")); !got.Enabled {
			t.Error("enable left it disabled")
		}
		mustRun(t, as("ci"), "schedule", "delete", id, "--env", "e")
		if l := decode[apiwire.ScheduleList](t, mustRun(t, as("ci"), "schedule", "list", "--env", "e", "-o", "json")); len(l.Schedules) != 0 {
			t.Errorf("%d schedules after delete", len(l.Schedules))
		}
	})
	t.Run("a bad cron names the field", func(t *testing.T) {
		as := scheduledEnv(t)
		code, _, errOut := run(t, as("ci"), "schedule", "create", "nightly", "--env", "e", "--cron", "0 3 * *")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		if !strings.Contains(errOut, "cron") {
			t.Errorf("the error does not name cron: %s", errOut)
		}
	})
}
