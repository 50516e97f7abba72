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
}

func (c *releasePromoteCmd) Help() string {
	return "The new release runs exactly the upstream release's blueprint version, artifacts and release variables; " +
		"an environment that requires upstream sign-off refuses a release not signed off APPROVED and says which to sign off."
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
	if s.json {
		return s.printJSON(r)
	}
	fmt.Fprintf(s.out, "release %d queued: promotes release %d to %s (blueprint %s, %d artifacts)\n", r.ID, c.ID, r.Environment, orDash(r.BlueprintVersion), len(r.Artifacts))
	return nil
}
