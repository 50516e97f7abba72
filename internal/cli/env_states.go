package cli

import (
	"fmt"
	"time"
)

type envStatesCmd struct {
	apiFlags
	Name  string `arg:"" help:"Environment name."`
	Limit int    `default:"20" help:"How many versions, newest first (at most 500)."`
}

// Run lists the state versions shiplog keeps for the environment.
func (c *envStatesCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	vs, err := s.c.ListStateVersions(g.Context(), c.Name, c.Limit)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(map[string]any{"states": vs})
	}
	tw := s.table("SERIAL", "RELEASE", "WRITTEN", "RESOURCES", "SIZE", "LINEAGE")
	for _, v := range vs {
		rel := v.Source // an import names no release
		if v.ReleaseID != nil {
			rel = fmt.Sprint(*v.ReleaseID)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\n", v.Serial, rel, v.CreatedAt.UTC().Format(time.RFC3339), v.Resources, v.SizeBytes, v.Lineage)
	}
	return tw.Flush()
}
