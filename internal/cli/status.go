package cli

import (
	"fmt"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

type statusCmd struct {
	apiFlags
	Env string `name:"env" short:"e" help:"Only this environment."`
}

// envStatus is one environment's line of `shiplog status`.
type envStatus struct {
	Environment string           `json:"environment"`
	Latest      *release.Release `json:"latest_release"`
	Resources   int              `json:"resources"`
	OutOfSync   int              `json:"out_of_sync"`
	Unhealthy   int              `json:"unhealthy"`
}

// Run shows whether the server is ready and, per environment, its latest
// release and how its resources stand.
func (c *statusCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	ctx := g.Context()
	ready := "ready"
	if _, err := s.c.Readyz(ctx); err != nil {
		ready = "not ready: " + err.Error()
	}
	var names []string
	if c.Env != "" {
		names = []string{c.Env}
	} else {
		envs, err := s.c.ListEnvironments(ctx)
		if err != nil {
			return err
		}
		for _, e := range envs {
			names = append(names, e.Name)
		}
	}
	out := []envStatus{}
	for _, name := range names {
		st := envStatus{Environment: name}
		p, err := s.c.ListReleases(ctx, client.ReleaseFilter{Environment: name, Limit: 1})
		if err != nil {
			return err
		}
		if len(p.Releases) > 0 {
			st.Latest = p.Releases[0]
		}
		res, err := s.c.ListResourceStatus(ctx, name, "")
		if err != nil {
			return err
		}
		for _, r := range res {
			st.Resources++
			if r.SyncStatus != release.InSync {
				st.OutOfSync++
			}
			if r.HealthStatus != release.Healthy && r.HealthStatus != release.Unknown {
				st.Unhealthy++
			}
		}
		out = append(out, st)
	}
	if s.json {
		return s.printJSON(map[string]any{"server": s.c.Endpoint(), "ready": ready == "ready", "environments": out})
	}
	fmt.Fprintf(s.out, "server %s: %s\n\n", s.c.Endpoint(), ready)
	tw := s.table("ENVIRONMENT", "LATEST", "STATUS", "TEMPLATE", "WHEN", "RESOURCES", "OUT OF SYNC", "UNHEALTHY")
	for _, st := range out {
		id, status, tmpl, at := "-", "-", "-", "-"
		if r := st.Latest; r != nil {
			id, status, tmpl, at = fmt.Sprint(r.ID), string(r.Status), r.Template, when(&r.CreatedAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\n", st.Environment, id, status, tmpl, at, st.Resources, st.OutOfSync, st.Unhealthy)
	}
	return tw.Flush()
}
