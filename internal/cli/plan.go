package cli

// planCmd groups the plan subcommands. (The plan ingestion work fills in diff.)
type planCmd struct {
	Diff planDiffCmd `cmd:"" help:"Print a plan's resource changes."`
}

type planDiffCmd struct {
	File string `arg:"" help:"Plan JSON from 'terraform show -json' ('-' for standard input)."`
}

func (c *planDiffCmd) Run(g *Globals) error { return nil }
