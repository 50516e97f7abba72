package api_test

import (
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Maintenance windows are kept with an environment; a bad one is a 400
// naming maintenance_windows and which window, and changes nothing.
func TestMaintenanceWindowsInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("prod")
	var env apiwire.Environment
	h.call("GET", "/api/v1/environments/prod", "reader", nil, 200, &env)
	req := apiwire.EnvironmentRequest{Name: "prod", Source: env.Source, MaintenanceWindows: []release.MaintenanceWindow{
		{Days: []string{"sat", "sun"}, Start: "01:00", End: "05:00", TimeZone: "Europe/Berlin"}}}
	h.call("PUT", "/api/v1/environments/prod", "admin", req, 200, &env)
	if len(env.MaintenanceWindows) != 1 || env.MaintenanceWindows[0].String() != "sat,sun 01:00–05:00 Europe/Berlin" {
		t.Fatalf("windows %+v, want the weekend one", env.MaintenanceWindows)
	}
	for _, bad := range []release.MaintenanceWindow{
		{Start: "25:00", End: "05:00"}, {Days: []string{"someday"}, Start: "01:00", End: "05:00"},
		{Start: "01:00", End: "05:00", TimeZone: "Atlantis/Capital"},
	} {
		req.MaintenanceWindows = []release.MaintenanceWindow{{Start: "01:00", End: "02:00"}, bad}
		e := h.fails("PUT", "/api/v1/environments/prod", "admin", req, 400)
		if e.Error.Field != "maintenance_windows" {
			t.Errorf("window %+v: field %q, want maintenance_windows (%s)", bad, e.Error.Field, e.Error.Message)
		}
	}
	h.call("GET", "/api/v1/environments/prod", "reader", nil, 200, &env)
	if len(env.MaintenanceWindows) != 1 {
		t.Errorf("a refused update changed the windows: %+v", env.MaintenanceWindows)
	}
}
