package release

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule queues a release of one environment with one template at the
// ticks of a cron expression read in an IANA time zone (issue 24): a
// nightly full-plan that records drift, for example. The scheduler
// (internal/scheduler) fires it when NextAt has passed, then sets NextAt to
// the first tick after the time it fired, so runs missed while no server
// ran are run once.
type Schedule struct {
	ID          int64  `json:"id"`
	Environment string `json:"environment"`
	// Name is unique within the environment: 1 to 63 lower-case letters,
	// digits, '-', '_' or '.'.
	Name string `json:"name"`
	// Cron is five fields (minute hour day-of-month month day-of-week) or
	// a descriptor: @yearly, @monthly, @weekly, @daily (@midnight),
	// @hourly, @every <duration>.
	Cron string `json:"cron"`
	// TimeZone is the IANA name the cron expression is read in ("UTC"
	// when none is given).
	TimeZone  string    `json:"time_zone"`
	Template  string    `json:"template"`
	Enabled   bool      `json:"enabled"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// NextAt is when it fires next (UTC); meaningless while disabled.
	NextAt time.Time `json:"next_at"`
	// LastReleaseID is the release it last queued (0: none yet);
	// LastReleaseStatus that release's status now.
	LastReleaseID     int64  `json:"last_release_id,omitempty"`
	LastReleaseStatus Status `json:"last_release_status,omitempty"`
	// LastFiredAt is when it last came due (queued or skipped); nil never.
	LastFiredAt *time.Time `json:"last_fired_at,omitempty"`
	// LastSkip says why its last tick queued nothing ("" when it queued).
	LastSkip string `json:"last_skip,omitempty"`
}

// DefaultScheduleTimeZone is the time zone of a schedule that names none.
const DefaultScheduleTimeZone = "UTC"

var scheduleName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

// cronParser reads five fields or a descriptor (no seconds field).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ScheduleFieldError is a schedule's invalid field: Field is the JSON
// name (name, cron, time_zone), Message what is wrong with it.
type ScheduleFieldError struct {
	Field, Message string
}

func (e *ScheduleFieldError) Error() string { return e.Field + ": " + e.Message }

// ValidateScheduleName checks a schedule's name (a *ScheduleFieldError
// naming "name" otherwise).
func ValidateScheduleName(name string) error {
	if !scheduleName.MatchString(name) {
		return &ScheduleFieldError{Field: "name", Message: fmt.Sprintf("schedule name %q must be 1 to 63 lower-case letters, digits, '-', '_' or '.', starting with a letter or digit", name)}
	}
	return nil
}

// ParseCron reads a cron expression in time zone tz (an IANA name; ""
// is UTC) and returns when it fires next after a time. A bad expression
// is a *ScheduleFieldError naming "cron", a bad time zone one naming
// "time_zone". A CRON_TZ= or TZ= prefix is refused: the time zone is its
// own field.
func ParseCron(expr, tz string) (*Cron, error) {
	if tz == "" {
		tz = DefaultScheduleTimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		return nil, &ScheduleFieldError{Field: "time_zone", Message: fmt.Sprintf("time zone %q is not an IANA time zone name (Europe/Berlin, America/New_York, UTC)", tz)}
	}
	e := strings.TrimSpace(expr)
	if e == "" {
		return nil, &ScheduleFieldError{Field: "cron", Message: "cron is required: five fields (minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\") or a descriptor (@daily, @hourly)"}
	}
	if strings.HasPrefix(e, "CRON_TZ=") || strings.HasPrefix(e, "TZ=") {
		return nil, &ScheduleFieldError{Field: "cron", Message: "give the time zone in time_zone, not in the cron expression"}
	}
	s, err := cronParser.Parse(e)
	if err != nil {
		return nil, &ScheduleFieldError{Field: "cron", Message: fmt.Sprintf("cron %q: %s (five fields: minute hour day-of-month month day-of-week, or @daily, @hourly, @weekly, @monthly, @yearly, @every <duration>)", expr, err)}
	}
	if every, ok := s.(cron.ConstantDelaySchedule); ok && every.Delay < MinScheduleInterval {
		return nil, &ScheduleFieldError{Field: "cron", Message: fmt.Sprintf("cron %q fires more often than a schedule may: at most once every %s", expr, MinScheduleInterval)}
	}
	c := &Cron{s: s, loc: loc}
	// an expression that never fires (30 February) is refused: nothing
	// would ever run
	if c.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, &ScheduleFieldError{Field: "cron", Message: fmt.Sprintf("cron %q never fires", expr)}
	}
	return c, nil
}

// MinScheduleInterval is the shortest @every a schedule takes: each tick
// queues a release.
const MinScheduleInterval = time.Minute

// Cron is a parsed cron expression in its time zone.
type Cron struct {
	s   cron.Schedule
	loc *time.Location
}

// Next is the first tick strictly after t, in UTC, its wall clock read in
// the schedule's time zone. Across a daylight-saving change: a tick in the
// hour the clock skips is not run that day; one in the hour it repeats runs
// once, at its first occurrence. Zero when there is none within five
// years.
func (c *Cron) Next(t time.Time) time.Time {
	n := c.s.Next(t.In(c.loc))
	for i := 0; i < 4 && !n.IsZero() && c.repeated(n); i++ {
		n = c.s.Next(n)
	}
	if n.IsZero() {
		return n
	}
	return n.UTC()
}

// repeated reports whether wall clock time n already happened, earlier by
// a daylight-saving change's shift (the second 02:30 of a night the clocks
// go back).
func (c *Cron) repeated(n time.Time) bool {
	if _, wall := c.s.(*cron.SpecSchedule); !wall {
		return false // @every counts elapsed time, not the wall clock
	}
	wall := n.In(c.loc).Format("2006-01-02 15:04:05")
	for _, d := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		if n.Add(-d).In(c.loc).Format("2006-01-02 15:04:05") == wall {
			return true
		}
	}
	return false
}

// Location is the cron's time zone.
func (c *Cron) Location() *time.Location { return c.loc }

// ParsedCron parses the schedule's expression in its time zone (see ParseCron).
func (s *Schedule) ParsedCron() (*Cron, error) { return ParseCron(s.Cron, s.TimeZone) }

// Caller is the name a schedule's releases are triggered by (their
// triggered_by): "schedule 3 (nightly-drift)".
func (s *Schedule) Caller() string {
	return fmt.Sprintf("schedule %d (%s)", s.ID, s.Name)
}

// TickKey is the idempotency key of the release a schedule queues for
// the tick at t (releases.external_key): however many schedulers fire that
// tick, one release is made.
func (s *Schedule) TickKey(t time.Time) string {
	return fmt.Sprintf("schedule/%d/%d", s.ID, t.Unix())
}

// SkipReason says why a due schedule queues nothing now, "" when it
// queues: its previous release is still QUEUED (a schedule never stacks
// up a second release behind one that has not started).
func (s *Schedule) SkipReason() string {
	if s.LastReleaseID != 0 && s.LastReleaseStatus == StatusQueued {
		return fmt.Sprintf("release %d it queued earlier is still QUEUED", s.LastReleaseID)
	}
	return ""
}
