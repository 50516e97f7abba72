package api_test

import (
	"fmt"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// A schedule is created, listed, disabled, enabled and deleted through the
// API; bad input is a 400 naming the field and stores nothing.
func TestSchedulesAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("prod")
	var sc release.Schedule
	h.call("POST", "/api/v1/environments/prod/schedules", "pipeline",
		apiwire.ScheduleRequest{Name: "nightly", Cron: "30 2 * * *", TimeZone: "Europe/Berlin", Template: "full-plan"}, 201, &sc)
	if !sc.Enabled || sc.TimeZone != "Europe/Berlin" || sc.CreatedBy != "pipeline" || sc.NextAt.IsZero() {
		t.Errorf("created %+v, want enabled, Europe/Berlin, by pipeline, with a next run", sc)
	}
	var list apiwire.ScheduleList
	h.call("GET", "/api/v1/environments/prod/schedules", "reader", nil, 200, &list)
	if len(list.Schedules) != 1 || list.Schedules[0].ID != sc.ID {
		t.Fatalf("listed %+v, want schedule %d", list.Schedules, sc.ID)
	}
	path := fmt.Sprintf("/api/v1/environments/prod/schedules/%d", sc.ID)
	h.call("POST", path+"/disable", "pipeline", nil, 200, &sc)
	if sc.Enabled {
		t.Error("a disabled schedule is enabled")
	}
	h.call("POST", path+"/enable", "pipeline", nil, 200, &sc)
	if !sc.Enabled {
		t.Error("an enabled schedule is disabled")
	}
	h.fails("POST", "/api/v1/environments/prod/schedules", "pipeline",
		apiwire.ScheduleRequest{Name: "nightly", Cron: "@daily", Template: "full-plan"}, 409)
	h.fails("DELETE", path, "reader", nil, 403)
	h.call("DELETE", path, "pipeline", nil, 204, nil)
	h.fails("DELETE", path, "pipeline", nil, 404)
}

func TestScheduleInputNamesTheField(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("prod")
	good := apiwire.ScheduleRequest{Name: "nightly", Cron: "0 3 * * *", TimeZone: "UTC", Template: "full-plan"}
	for _, tc := range []struct {
		field string
		edit  func(*apiwire.ScheduleRequest)
	}{
		{"name", func(r *apiwire.ScheduleRequest) { r.Name = "Nightly Drift" }},
		{"cron", func(r *apiwire.ScheduleRequest) { r.Cron = "" }},
		{"cron", func(r *apiwire.ScheduleRequest) { r.Cron = "0 3 * *" }},
		{"cron", func(r *apiwire.ScheduleRequest) { r.Cron = "0 25 * * *" }},
		{"cron", func(r *apiwire.ScheduleRequest) { r.Cron = "@fortnightly" }},
		{"time_zone", func(r *apiwire.ScheduleRequest) { r.TimeZone = "Atlantis/Capital" }},
		{"template", func(r *apiwire.ScheduleRequest) { r.Template = "" }},
		{"template", func(r *apiwire.ScheduleRequest) { r.Template = "no-such-template" }},
		{"template", func(r *apiwire.ScheduleRequest) { r.Template = "selective-plan" }},
	} {
		req := good
		tc.edit(&req)
		e := h.fails("POST", "/api/v1/environments/prod/schedules", "pipeline", req, 400)
		if e.Error.Field != tc.field {
			t.Errorf("%+v: field %q, want %q (%s)", req, e.Error.Field, tc.field, e.Error.Message)
		}
	}
	h.fails("POST", "/api/v1/environments/nowhere/schedules", "admin", good, 404)
	h.fails("POST", "/api/v1/environments/prod/schedules/x/disable", "pipeline", nil, 400)
	var list apiwire.ScheduleList
	h.call("GET", "/api/v1/environments/prod/schedules", "reader", nil, 200, &list)
	if len(list.Schedules) != 0 {
		t.Errorf("refused requests stored %d schedules", len(list.Schedules))
	}
}
