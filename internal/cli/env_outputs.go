package cli

import (
	"encoding/json"
	"fmt"
)

type envOutputsCmd struct {
	apiFlags
	Name string `arg:"" help:"Environment name."`
}

// Run lists the environment's output values as its last successful apply
// left them; a sensitive output shows as (sensitive).
func (c *envOutputsCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	outs, err := s.c.ListOutputs(g.Context(), c.Name)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(map[string]any{"outputs": outs})
	}
	if len(outs) == 0 {
		fmt.Fprintln(s.out, "(no outputs recorded: the environment has not been applied yet)")
		return nil
	}
	tw := s.table("NAME", "VALUE", "RELEASE")
	for _, o := range outs {
		value := "(sensitive)"
		if !o.Sensitive {
			b, err := json.Marshal(o.Value)
			if err != nil {
				return fmt.Errorf("output %s: %w", o.Name, err)
			}
			value = string(b)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\n", o.Name, value, o.ReleaseID)
	}
	return tw.Flush()
}
