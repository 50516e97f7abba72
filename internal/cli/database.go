package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/pgcluster"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/secret"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// database is an open store and whatever must be undone when the command ends.
type database struct {
	*store.Store
	cluster *pgcluster.Cluster
	// URL is the connection URL (for the embedded cluster, a socket URL).
	URL string
}

// Close closes the store and leaves the embedded cluster (the last
// process to leave stops it).
func (d *database) Close() {
	if d.Store != nil {
		d.Store.Close()
	}
	if d.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		d.cluster.Close(ctx)
	}
}

// openDatabase opens --database-url, or starts/joins the embedded cluster
// under the data directory, and migrates it.
func (g *Globals) openDatabase(ctx context.Context) (*database, error) {
	dataDir, err := g.ResolvedDataDir()
	if err != nil {
		return nil, err
	}
	// 0711: the embedded server's user must pass through, not list it.
	if err := os.MkdirAll(dataDir, 0o711); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	box, err := secret.FromEnvOrFile(os.Getenv("SHIPLOG_SECRET_KEY"), filepath.Join(dataDir, "secret.key"))
	if err != nil {
		return nil, err
	}
	db := &database{URL: g.DatabaseURL}
	if db.URL == "" {
		start := time.Now()
		c, err := pgcluster.Start(ctx, pgcluster.Config{Dir: filepath.Join(dataDir, "postgres"), Logger: g.log.Named("postgres")})
		if err != nil {
			return nil, err
		}
		g.log.Debug("embedded database", "dir", filepath.Join(dataDir, "postgres"), "started", c.Started, "initialized", c.Initialized, "took", time.Since(start))
		db.cluster, db.URL = c, c.URL("")
	}
	db.Store, err = store.Open(ctx, db.URL, store.Options{Logger: g.log.Named("store"), Migrate: true, Secrets: box})
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
