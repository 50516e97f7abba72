package release

import (
	"testing"
	"time"
)

func TestMaintenanceWindows(t *testing.T) {
	t.Parallel()
	berlin := MaintenanceWindow{Days: []string{"fri"}, Start: "22:00", End: "02:00", TimeZone: "Europe/Berlin"}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		when string
		open bool
	}{
		{"2026-12-04T20:59:00Z", false}, // Fri 21:59 in Berlin
		{"2026-12-04T21:00:00Z", true},  // Fri 22:00
		{"2026-12-05T00:30:00Z", true},  // Sat 01:30: the Friday window past midnight
		{"2026-12-05T01:00:00Z", false}, // Sat 02:00: closed
		{"2026-12-05T21:30:00Z", false}, // Sat 22:30: not an opening day
		{"2026-12-06T00:30:00Z", false}, // Sun 01:30: Saturday opened no window
	} {
		if got := berlin.Open(at(tc.when)); got != tc.open {
			t.Errorf("%s open at %s: %v, want %v", berlin, tc.when, got, tc.open)
		}
	}
	next, ok := NextOpening([]MaintenanceWindow{berlin}, at("2026-12-05T12:00:00Z"))
	if !ok || !next.Equal(at("2026-12-11T21:00:00Z")) {
		t.Errorf("next opening after Saturday noon: %v %v, want Friday 2026-12-11 22:00 Berlin", next, ok)
	}
	if !WindowsOpen(nil, at("2026-12-05T12:00:00Z")) {
		t.Error("an environment without windows is closed")
	}
	for _, bad := range []MaintenanceWindow{
		{Start: "25:00", End: "02:00"}, {Start: "22:00", End: "22:00"}, {Days: []string{"monday"}, Start: "01:00", End: "02:00"},
		{Start: "01:00", End: "02:00", TimeZone: "Mars/Olympus"}, {Start: "1:00", End: "02:00"},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v is valid, want an error", bad)
		}
	}
}
