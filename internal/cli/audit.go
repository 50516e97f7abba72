package cli

import (
	"fmt"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// auditCmd lists the audit log through the API (admin scope).
type auditCmd struct {
	apiFlags
	Actor  string        `help:"Only this actor's acts (a token's or person's name)."`
	Env    string        `name:"env" help:"Only acts on this environment."`
	Kind   string        `help:"Only this act (release.approve) or, ending in a dot, family (release.)."`
	Since  time.Duration `help:"Only acts within this long before now (e.g. 24h)."`
	Limit  int           `short:"n" default:"50" help:"How many at most."`
	Cursor string        `help:"Continue a listing: the next_cursor a previous one printed (same filters)."`
}

func (c *auditCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	f := client.AuditFilter{Actor: c.Actor, Environment: c.Env, Kind: c.Kind, Cursor: c.Cursor}
	if c.Since > 0 {
		f.Since = time.Now().Add(-c.Since)
	}
	evs := []release.AuditEvent{}
	next := ""
	for len(evs) < c.Limit {
		f.Limit = min(c.Limit-len(evs), 500)
		p, err := s.c.ListAudit(g.Context(), f)
		if err != nil {
			return err
		}
		evs = append(evs, p.Events...)
		next = p.NextCursor
		if next == "" {
			break
		}
		f.Cursor = next
	}
	if s.json {
		return s.printJSON(apiwire.AuditList{Events: evs, NextCursor: next})
	}
	tw := s.table("TIME", "ACTOR", "FROM", "ACT", "ENVIRONMENT", "RELEASE", "OUTCOME", "DETAIL")
	for _, e := range evs {
		rel := "-"
		if e.ReleaseID != nil {
			rel = fmt.Sprint(*e.ReleaseID)
		}
		detail := e.Detail
		if e.Error != "" {
			detail = e.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", when(&e.At), e.Actor, orDash(e.RemoteAddr), e.Kind, orDash(e.Environment), rel, e.Outcome, orDash(detail))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s.nextPage(g, next)
	return nil
}
