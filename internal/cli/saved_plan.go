package cli

import "fmt"

type releaseApplyPlanCmd struct {
	apiFlags
	ID     int64 `arg:"" help:"The SUCCEEDED PLAN release whose saved plan to apply."`
	Wait   bool  `help:"Wait for the new release as 'shiplog release wait' does, print it and exit with its exit code."`
	Follow bool  `help:"As --wait, printing its log on standard error as it goes."`
	waitFlags
}

func (c *releaseApplyPlanCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	r, err := s.c.ApplySavedPlan(g.Context(), c.ID)
	if err != nil {
		return err
	}
	if c.Wait || c.Follow {
		fmt.Fprintf(g.Stderr(), "release %d queued: applies the plan release %d saved\n", r.ID, c.ID)
		return s.await(g, r.ID, c.waitFlags, c.Follow)
	}
	if s.json {
		return s.printJSON(r)
	}
	fmt.Fprintf(s.out, "release %d queued: applies the plan release %d saved to %s (%s)\n", r.ID, c.ID, r.Environment, summaryLine(r.Summary))
	return nil
}

// releaseIDs is "release 4, release 9".
func releaseIDs(ids []int64) string {
	out := ""
	for i, id := range ids {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("release %d", id)
	}
	return out
}
