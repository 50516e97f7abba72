package cli

import (
	"fmt"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

type templateCmd struct {
	List templateListCmd `cmd:"" help:"List the release templates the server knows."`
	Show templateShowCmd `cmd:"" help:"Show a release template and its phases."`
}

type templateListCmd struct {
	apiFlags
}

func (c *templateListCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	ts, err := s.c.ListTemplates(g.Context())
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(map[string]any{"templates": ts})
	}
	tw := s.table("NAMESPACE", "NAME", "TYPE", "PHASES", "DESCRIPTION")
	for _, t := range ts {
		names := make([]string, len(t.Phases))
		for i, p := range t.Phases {
			names[i] = p.Name
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Namespace, t.Name, t.ReleaseType, strings.Join(names, ","), orDash(t.Description))
	}
	return tw.Flush()
}

type templateShowCmd struct {
	apiFlags
	Name string `arg:"" help:"Template, name or namespace/name."`
}

func (c *templateShowCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	ns, name, found := strings.Cut(c.Name, "/")
	if !found {
		ns, name = "", c.Name
	}
	t, err := s.c.GetTemplate(g.Context(), ns, name)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(t)
	}
	fmt.Fprintf(s.out, "%s/%s (%s)%s\n\n", t.Namespace, t.Name, t.ReleaseType, map[bool]string{true: ", built in"}[t.Builtin])
	if t.Description != "" {
		fmt.Fprintf(s.out, "%s\n\n", t.Description)
	}
	tw := s.table("PHASE", "ACTION", "APPROVAL")
	for _, p := range t.Phases {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Name, p.Action, map[bool]string{true: "required", false: "-"}[p.ApprovalRequired])
	}
	return tw.Flush()
}

type resourceCmd struct {
	Health resourceHealthCmd `cmd:"" help:"Report a resource's health (write scope)."`
}

type resourceHealthCmd struct {
	apiFlags
	Env     string `name:"env" short:"e" required:"" help:"Environment of the resource."`
	Address string `arg:"" help:"Resource address, e.g. aws_instance.web."`
	Status  string `arg:"" enum:"HEALTHY,PROGRESSING,DEGRADED,SUSPENDED,MISSING,UNKNOWN" help:"Health: ${enum}."`
}

func (c *resourceHealthCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	r, err := s.c.ReportHealth(g.Context(), c.Env, c.Address, release.HealthStatus(c.Status))
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(r)
	}
	fmt.Fprintf(s.out, "%s in %s: %s (%s)\n", r.Address, c.Env, r.HealthStatus, r.SyncStatus)
	return nil
}
