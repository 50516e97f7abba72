package cli

import (
	"fmt"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// scheduleCmd manages an environment's schedules.
type scheduleCmd struct {
	Create  scheduleCreateCmd  `cmd:"" help:"Create a schedule (deployer role on the environment): a release with the template at each tick of the cron expression in the time zone."`
	List    scheduleListCmd    `cmd:"" help:"List an environment's schedules: when each fires next (in its time zone), the release it last queued, why its last tick queued nothing."`
	Enable  scheduleEnableCmd  `cmd:"" help:"Enable a schedule: it fires next at its first tick from now (ticks missed while disabled are not run)."`
	Disable scheduleDisableCmd `cmd:"" help:"Disable a schedule: it fires no more until enabled."`
	Delete  scheduleDeleteCmd  `cmd:"" help:"Delete a schedule; the releases it queued stay."`
}

type scheduleCreateCmd struct {
	apiFlags
	Env      string `name:"env" required:"" help:"Environment name."`
	Name     string `arg:"" help:"The schedule's name, unique in the environment (lower-case letters, digits, '-', '_', '.')."`
	Cron     string `required:"" help:"Five fields (minute hour day-of-month month day-of-week: '0 3 * * *') or @daily, @hourly, @weekly, @monthly, @yearly, '@every 6h'."`
	TimeZone string `name:"time-zone" default:"UTC" help:"The IANA time zone the cron expression is read in (Europe/Berlin)."`
	Template string `default:"full-plan" help:"The release template each tick queues (full-plan plans only and records drift)."`
	Disabled bool   `help:"Create it disabled."`
}

func (c *scheduleCreateCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	enabled := !c.Disabled
	sc, err := s.c.CreateSchedule(g.Context(), c.Env, apiwire.ScheduleRequest{Name: c.Name, Cron: c.Cron, TimeZone: c.TimeZone,
		Template: c.Template, Enabled: &enabled})
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(sc)
	}
	fmt.Fprintf(s.out, "schedule %d %q of %s: %s %q in %s, next run %s\n", sc.ID, sc.Name, sc.Environment, sc.Template, sc.Cron, sc.TimeZone, nextRun(sc))
	return nil
}

type scheduleListCmd struct {
	apiFlags
	Env string `name:"env" required:"" help:"Environment name."`
}

func (c *scheduleListCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	l, err := s.c.ListSchedules(g.Context(), c.Env)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(l)
	}
	tw := s.table("ID", "NAME", "CRON", "TIME ZONE", "TEMPLATE", "NEXT RUN", "LAST RELEASE", "LAST SKIP", "BY")
	for _, sc := range l.Schedules {
		last := "-"
		if sc.LastReleaseID != 0 {
			last = fmt.Sprintf("%d %s", sc.LastReleaseID, sc.LastReleaseStatus)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sc.ID, sc.Name, sc.Cron, sc.TimeZone, sc.Template, nextRun(sc), last, orDash(sc.LastSkip), sc.CreatedBy)
	}
	return tw.Flush()
}

// nextRun is when sc fires next, in its time zone, or "disabled".
func nextRun(sc *release.Schedule) string {
	if !sc.Enabled {
		return "disabled"
	}
	loc, err := time.LoadLocation(sc.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return sc.NextAt.In(loc).Format("2006-01-02 15:04 MST")
}

type scheduleSetCmd struct {
	apiFlags
	Env string `name:"env" required:"" help:"Environment name."`
	ID  int64  `arg:"" help:"The schedule's id (shiplog schedule list)."`
}

type scheduleEnableCmd struct{ scheduleSetCmd }
type scheduleDisableCmd struct{ scheduleSetCmd }

func (c *scheduleEnableCmd) Run(g *Globals) error  { return c.set(g, true) }
func (c *scheduleDisableCmd) Run(g *Globals) error { return c.set(g, false) }

func (c *scheduleSetCmd) set(g *Globals, enabled bool) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	sc, err := s.c.SetScheduleEnabled(g.Context(), c.Env, c.ID, enabled)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(sc)
	}
	fmt.Fprintf(s.out, "schedule %d %q of %s: next run %s\n", sc.ID, sc.Name, sc.Environment, nextRun(sc))
	return nil
}

type scheduleDeleteCmd struct {
	apiFlags
	Env string `name:"env" required:"" help:"Environment name."`
	ID  int64  `arg:"" help:"The schedule's id (shiplog schedule list)."`
}

func (c *scheduleDeleteCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	if err := s.c.DeleteSchedule(g.Context(), c.Env, c.ID); err != nil {
		return err
	}
	if !s.json {
		fmt.Fprintf(s.out, "schedule %d of %s deleted\n", c.ID, c.Env)
	}
	return nil
}
