package release

import (
	"errors"
	"testing"
	"time"
)

func TestCronNextAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, cron, tz, after, want string
	}{
		// Berlin leaves CET (+01) for CEST (+02) on 2026-03-29 at 02:00.
		{"03:00 before the change is 02:00 UTC", "0 3 * * *", "Europe/Berlin", "2026-03-27T12:00:00Z", "2026-03-28T02:00:00Z"},
		{"03:00 after the change is 01:00 UTC", "0 3 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"},
		// 02:30 does not exist on 2026-03-29 in Berlin: that day has no run
		{"a tick in the skipped hour", "30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", "2026-03-30T00:30:00Z"},
		// back to CET on 2026-10-25 at 03:00: 02:30 happens twice, run once
		{"a tick in the repeated hour runs once", "30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"},
		{"not again in the repeated hour", "30 2 * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
		{"not again when fired late", "30 2 * * *", "Europe/Berlin", "2026-10-25T00:50:00Z", "2026-10-26T01:30:00Z"},
		{"@daily is midnight in the time zone", "@daily", "America/New_York", "2026-03-07T12:00:00Z", "2026-03-08T05:00:00Z"},
		{"@daily after the change", "@daily", "America/New_York", "2026-03-08T12:00:00Z", "2026-03-09T04:00:00Z"},
		{"@hourly in UTC", "@hourly", "", "2026-12-04T08:15:00Z", "2026-12-04T09:00:00Z"},
		{"strictly after", "0 * * * *", "UTC", "2026-12-04T09:00:00Z", "2026-12-04T10:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := ParseCron(tc.cron, tc.tz)
			if err != nil {
				t.Fatalf("ParseCron(%q, %q): %v", tc.cron, tc.tz, err)
			}
			if got := c.Next(at(tc.after)); !got.Equal(at(tc.want)) {
				t.Errorf("%q in %q after %s: %s, want %s", tc.cron, tc.tz, tc.after, got.Format(time.RFC3339), tc.want)
			}
		})
	}
}

func TestParseCronRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cron, tz, field string
	}{
		{"", "UTC", "cron"},
		{"0 3 * *", "UTC", "cron"},
		{"61 3 * * *", "UTC", "cron"},
		{"@sometimes", "UTC", "cron"},
		{"0 0 30 2 *", "UTC", "cron"},
		{"CRON_TZ=Europe/Berlin 0 3 * * *", "UTC", "cron"},
		{"@every 0s", "UTC", "cron"},
		{"@every 59s", "UTC", "cron"},
		{"0 3 * * *", "Mars/Olympus", "time_zone"},
		{"0 3 * * *", "Local", "time_zone"},
	} {
		_, err := ParseCron(tc.cron, tc.tz)
		var fe *ScheduleFieldError
		if !errors.As(err, &fe) {
			t.Errorf("ParseCron(%q, %q): %v, want a field error", tc.cron, tc.tz, err)
			continue
		}
		if fe.Field != tc.field {
			t.Errorf("ParseCron(%q, %q) names field %q (%s), want %q", tc.cron, tc.tz, fe.Field, fe.Message, tc.field)
		}
	}
}

func TestScheduleSkipsWhilePreviousIsQueued(t *testing.T) {
	t.Parallel()
	s := &Schedule{ID: 3, Name: "nightly", LastReleaseID: 9, LastReleaseStatus: StatusQueued}
	if s.SkipReason() == "" {
		t.Error("a schedule whose last release is QUEUED does not skip")
	}
	s.LastReleaseStatus = StatusInProgress
	if r := s.SkipReason(); r != "" {
		t.Errorf("a schedule whose last release is IN_PROGRESS skips: %s", r)
	}
	if got := s.Caller(); got != "schedule 3 (nightly)" {
		t.Errorf("Caller() = %q", got)
	}
}
