package release

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaintenanceWindow is a weekly time range in which an environment's
// releases may start; outside every window of an environment they wait
// in its queue. A window whose End is before its Start runs past
// midnight into the next day (22:00–02:00). Times are "HH:MM" on the
// 24-hour clock in TimeZone (an IANA name; UTC when empty).
type MaintenanceWindow struct {
	// Days are the days the window opens on: mon, tue, wed, thu, fri,
	// sat, sun; none for every day.
	Days     []string `json:"days,omitempty"`
	Start    string   `json:"start"`
	End      string   `json:"end"`
	TimeZone string   `json:"time_zone,omitempty"`
}

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} // time.Weekday order

// Validate checks the window's days, times and time zone.
func (w MaintenanceWindow) Validate() error {
	for _, d := range w.Days {
		if !slices.Contains(weekdays, d) {
			return fmt.Errorf("day %q is not one of mon, tue, wed, thu, fri, sat, sun", d)
		}
	}
	s, err := clock(w.Start)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	e, err := clock(w.End)
	if err != nil {
		return fmt.Errorf("end: %w", err)
	}
	if s == e {
		return fmt.Errorf("start and end are both %s: a window must last", w.Start)
	}
	if _, err := w.location(); err != nil {
		return err
	}
	return nil
}

func (w MaintenanceWindow) location() (*time.Location, error) {
	if w.TimeZone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("time zone %q is not an IANA time zone name (Europe/Berlin, America/New_York, UTC)", w.TimeZone)
	}
	return loc, nil
}

// clock reads "HH:MM" as minutes after midnight.
func clock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("%q is not a time of day like 22:00", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// String is the window as people read it: "mon,fri 22:00–02:00 Europe/Berlin".
func (w MaintenanceWindow) String() string {
	days := "every day"
	if len(w.Days) > 0 {
		days = strings.Join(w.Days, ",")
	}
	tz := w.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	return fmt.Sprintf("%s %s–%s %s", days, w.Start, w.End, tz)
}

// Open reports whether the window is open at t.
func (w MaintenanceWindow) Open(t time.Time) bool {
	loc, err := w.location()
	if err != nil {
		return false
	}
	s, err1 := clock(w.Start)
	e, err2 := clock(w.End)
	if err1 != nil || err2 != nil {
		return false
	}
	local := t.In(loc)
	m := local.Hour()*60 + local.Minute()
	on := func(d time.Weekday) bool { return len(w.Days) == 0 || slices.Contains(w.Days, weekdays[d]) }
	if s < e {
		return m >= s && m < e && on(local.Weekday())
	}
	// past midnight: the evening part on an opening day, the morning part
	// on the day after one
	return (m >= s && on(local.Weekday())) || (m < e && on((local.Weekday()+6)%7))
}

// WindowsOpen reports whether releases may start at t: always when there
// are no windows, else when one is open.
func WindowsOpen(ws []MaintenanceWindow, t time.Time) bool {
	if len(ws) == 0 {
		return true
	}
	return slices.ContainsFunc(ws, func(w MaintenanceWindow) bool { return w.Open(t) })
}

// NextOpening is when one of ws next opens after t (t itself when one is
// open), to the minute; false when none opens within eight days (no
// valid window).
func NextOpening(ws []MaintenanceWindow, t time.Time) (time.Time, bool) {
	if WindowsOpen(ws, t) {
		return t, true
	}
	at := t.Truncate(time.Minute).Add(time.Minute)
	for end := t.Add(8 * 24 * time.Hour); at.Before(end); at = at.Add(time.Minute) {
		if WindowsOpen(ws, at) {
			return at, true
		}
	}
	return time.Time{}, false
}
