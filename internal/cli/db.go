package cli

type dbCmd struct {
	Migrate dbMigrateCmd `cmd:"" help:"Apply shiplog's schema migrations (starting the embedded cluster if no URL is set)."`
}

type dbMigrateCmd struct{}

func (c *dbMigrateCmd) Run(g *Globals) error { return nil }
