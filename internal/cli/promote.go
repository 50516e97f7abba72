package cli

import (
	"fmt"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

type releasePromoteCmd struct {
	apiFlags
	ID       int64  `arg:"" help:"The SUCCEEDED release upstream to promote."`
	To       string `name:"to" help:"Environment to promote to (default: the one whose upstream is the release's environment)."`
	Template string `help:"Template to run there (default: the environment's)."`
	Wait     bool   `help:"Wait for the promotion as 'shiplog release wait' does, print it and exit with its exit code."`
	Follow   bool   `help:"As --wait, printing its log on standard error as it goes."`
	waitFlags
}

func (c *releasePromoteCmd) Help() string {
	return "The new release runs exactly the upstream release's blueprint version, artifacts and release variables; " +
		"an environment that requires upstream sign-off refuses a release not signed off APPROVED and says which to sign off.\n\n" + exitCodesHelp
}

func (c *releasePromoteCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	r, err := s.c.Promote(g.Context(), c.ID, apiwire.PromoteRequest{Environment: c.To, Template: c.Template})
	if err != nil {
		return err
	}
	if c.Wait || c.Follow {
		fmt.Fprintf(g.Stderr(), "release %d queued: promotes release %d to %s\n", r.ID, c.ID, r.Environment)
		return s.await(g, r.ID, c.waitFlags, c.Follow)
	}
	if s.json {
		return s.printJSON(r)
	}
	arts := fmt.Sprintf("%d artifacts", len(r.Artifacts))
	if len(r.Artifacts) == 1 {
		arts = "1 artifact"
	}
	fmt.Fprintf(s.out, "release %d queued: promotes release %d to %s (blueprint %s, %s)\n", r.ID, c.ID, r.Environment, orDash(r.BlueprintVersion), arts)
	return nil
}
