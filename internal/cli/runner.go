package cli

import (
	"fmt"

	"github.com/shiplog-dev/terraform-provider-shiplog/worker"
)

// runnerCmd is the command of a runner Job's pod (`shiplog controller
// --runner=job` makes the Job): it runs the one release the controller
// claimed under the lease named --lease-owner, as a worker runs a release
// it claimed (live logs, keep-alives, state, timeouts), then exits. A
// release that ends FAILED is still a finished run (exit 0); a release
// that is not the runner's to run is an error (exit 1).
type runnerCmd struct {
	Release    int64  `name:"release" required:"" env:"SHIPLOG_RELEASE_ID" help:"Id of the release to run."`
	LeaseOwner string `name:"lease-owner" required:"" env:"SHIPLOG_LEASE_OWNER" help:"The lease the controller claimed the release under (job/<namespace>/<job name>)."`
	workerFlags
}

func (c *runnerCmd) Run(g *Globals) error {
	if g.DatabaseURL == "" {
		return fmt.Errorf("a runner needs the installation's database: set --database-url or SHIPLOG_DATABASE_URL (and SHIPLOG_SECRET_KEY), as the Job's pod does from its Secret")
	}
	db, err := g.openDatabase(g.Context())
	if err != nil {
		return err
	}
	defer db.Close()
	w, err := c.newWorker(g.Context(), g, db, func(cfg *worker.Config) { cfg.ID, cfg.Concurrency = c.LeaseOwner, 1 })
	if err != nil {
		return err
	}
	g.Logger().Info("runner starting", "release", c.Release, "lease", c.LeaseOwner)
	return w.RunClaimed(g.Context(), c.Release)
}
