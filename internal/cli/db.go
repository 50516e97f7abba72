package cli

import "fmt"

type dbCmd struct {
	Migrate dbMigrateCmd `cmd:"" help:"Apply shiplog's schema migrations (starting the embedded cluster if no URL is set)."`
	Prune   dbPruneCmd   `cmd:"" help:"Remove logs, plan files and changes of finished releases older than --keep-days beyond the newest --keep-last per environment, and blueprints no release names; release rows stay."`
}

type dbMigrateCmd struct{}

func (c *dbMigrateCmd) Run(g *Globals) error {
	db, err := g.openDatabase(g.Context())
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.MigrationState(g.Context())
	if err != nil {
		return err
	}
	where := "database at --database-url"
	if db.cluster != nil {
		how := "reused"
		switch {
		case db.cluster.Initialized:
			how = "created"
		case db.cluster.Started:
			how = "started"
		}
		where = fmt.Sprintf("embedded database in %s (%s)", db.cluster.SocketDir(), how)
	}
	fmt.Fprintf(g.Stdout(), "%s: schema at version %d, %d migrations applied, none pending\n", where, st.Applied[len(st.Applied)-1], len(st.Applied))
	return nil
}
