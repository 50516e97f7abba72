package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file is what `shiplog release` does to a release: approve, reject,
// abort, sign off, roll back, and plans ingested or recorded from elsewhere.

type decision struct {
	apiFlags
	ID      int64  `arg:"" help:"Release ID."`
	Comment string `short:"m" help:"Why."`
}

func (c *decision) run(g *Globals, act func(context.Context, *client.Client) (*release.Release, error), done string) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	r, err := act(g.Context(), s.c)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(r)
	}
	fmt.Fprintf(s.out, "release %d %s: now %s\n", r.ID, done, r.Status)
	return nil
}

type releaseApproveCmd struct{ decision }

func (c *releaseApproveCmd) Run(g *Globals) error {
	return c.run(g, func(ctx context.Context, cl *client.Client) (*release.Release, error) {
		return cl.Approve(ctx, c.ID, c.Comment)
	}, "approved")
}

type releaseRejectCmd struct{ decision }

func (c *releaseRejectCmd) Run(g *Globals) error {
	return c.run(g, func(ctx context.Context, cl *client.Client) (*release.Release, error) {
		return cl.Reject(ctx, c.ID, c.Comment)
	}, "rejected")
}

type releaseAbortCmd struct{ decision }

func (c *releaseAbortCmd) Run(g *Globals) error {
	return c.run(g, func(ctx context.Context, cl *client.Client) (*release.Release, error) {
		return cl.Abort(ctx, c.ID, c.Comment)
	}, "abort requested")
}

type releaseSignoffCmd struct {
	decision
	Status string `required:"" enum:"APPROVED,REJECTED" help:"APPROVED or REJECTED."`
}

func (c *releaseSignoffCmd) Run(g *Globals) error {
	return c.run(g, func(ctx context.Context, cl *client.Client) (*release.Release, error) {
		return cl.SignOff(ctx, c.ID, release.SignOffStatus(c.Status), c.Comment)
	}, "signed off "+c.Status)
}

type releaseRollbackCmd struct {
	apiFlags
	ID int64 `arg:"" help:"The earlier SUCCEEDED release to re-apply."`
}

func (c *releaseRollbackCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	r, err := s.c.Rollback(g.Context(), c.ID)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(r)
	}
	fmt.Fprintf(s.out, "release %d queued: rolls %s back to release %d (blueprint %s)\n", r.ID, r.Environment, c.ID, orDash(r.BlueprintVersion))
	return nil
}

type releaseIngestPlanCmd struct {
	apiFlags
	ID    int64  `arg:"" help:"Release ID."`
	File  string `arg:"" help:"Plan JSON from 'terraform show -json PLANFILE' ('-' for standard input)."`
	Phase string `default:"plan" help:"The release's phase the plan belongs to."`
}

func (c *releaseIngestPlanCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	in, closeIn, err := openInput(c.File)
	if err != nil {
		return err
	}
	defer closeIn()
	res, err := s.c.IngestPlan(g.Context(), c.ID, c.Phase, in)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(res)
	}
	fmt.Fprintf(s.out, "release %d phase %s: %s\n", c.ID, c.Phase, summaryLine(res.Summary))
	return nil
}

type releaseRecordPlanCmd struct {
	apiFlags
	Env              string `name:"env" short:"e" required:"" help:"Environment the plan was made for."`
	File             string `arg:"" help:"Plan JSON from 'terraform show -json PLANFILE' ('-' for standard input)."`
	Template         string `help:"Template of the record (default full-plan)."`
	Phase            string `help:"The template's phase the plan belongs to (default: its first plan phase)."`
	BlueprintVersion string `name:"blueprint-version" help:"Configuration version the plan was made from."`
}

func (c *releaseRecordPlanCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	in, closeIn, err := openInput(c.File)
	if err != nil {
		return err
	}
	defer closeIn()
	r, err := s.c.RecordPlan(g.Context(), c.Env, client.RecordPlanOptions{Template: c.Template, Phase: c.Phase, BlueprintVersion: c.BlueprintVersion}, in)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(r)
	}
	fmt.Fprintf(s.out, "release %d of %s recorded %s: %s\n", r.ID, r.Environment, r.Status, summaryLine(r.Summary))
	return nil
}

func openInput(name string) (*os.File, func(), error) {
	if name == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the plan: %w", err)
	}
	return f, func() { f.Close() }, nil
}
