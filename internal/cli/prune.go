package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// pruneFlags are what `db prune` and the server's daily prune keep.
type pruneFlags struct {
	KeepDays int `name:"keep-days" default:"30" help:"Keep everything of releases created in the last N days."`
	KeepLast int `name:"keep-last" default:"20" help:"Keep everything of the newest K releases of each environment, however old."`
}

func (f pruneFlags) options() store.PruneOptions {
	return store.PruneOptions{KeepDays: f.KeepDays, KeepLast: f.KeepLast}
}

type dbPruneCmd struct {
	pruneFlags
	Output string `short:"o" default:"text" enum:"text,json" help:"Output format (${enum})."`
}

// Run removes old logs, plan files, changes and unnamed blueprints and
// prints what it removed.
func (c *dbPruneCmd) Run(g *Globals) error {
	db, err := g.openDatabase(g.Context())
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.Prune(g.Context(), c.options())
	if err != nil {
		return err
	}
	if c.Output == "json" {
		return json.NewEncoder(g.Stdout()).Encode(rep)
	}
	printPrune(g.Stdout(), c.pruneFlags, rep)
	return nil
}

func printPrune(w io.Writer, f pruneFlags, rep store.PruneReport) {
	fmt.Fprintf(w, "pruned %d releases older than %d days beyond the newest %d of each environment: %d log chunks, %d plan files, %d changes removed; %d unnamed blueprints removed; %d audit events and %d ended webhook deliveries removed\n",
		rep.Releases, f.KeepDays, f.KeepLast, rep.LogChunks, rep.PlanFiles, rep.Changes, rep.Blueprints, rep.AuditEvents, rep.WebhookDeliveries)
}

// pruneDaily prunes now and then every day until ctx ends, logging what
// each run removed.
func pruneDaily(ctx context.Context, st *store.Store, f pruneFlags, log hclog.Logger) {
	for {
		rep, err := st.Prune(ctx, f.options())
		if err != nil && ctx.Err() == nil {
			log.Error("daily prune", "error", err)
		} else if err == nil {
			log.Info("daily prune", "releases", rep.Releases, "log_chunks", rep.LogChunks, "plan_files", rep.PlanFiles,
				"changes", rep.Changes, "blueprints", rep.Blueprints, "audit_events", rep.AuditEvents, "webhook_deliveries", rep.WebhookDeliveries, "keep_days", f.KeepDays, "keep_last", f.KeepLast)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(24 * time.Hour):
		}
	}
}
