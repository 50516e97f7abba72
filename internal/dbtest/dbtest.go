// Package dbtest gives tests a real PostgreSQL: one embedded cluster per test
// run (shared by the test binaries of that run), and a fresh database per
// test cloned from a migrated template database.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/pgcluster"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/secret"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

var (
	mu       sync.Mutex
	cluster  *pgcluster.Cluster
	template string
)

// Dir is where the run's cluster lives: $SHIPLOG_TEST_PGDIR, or a fixed
// directory under /tmp (reachable by the postgres user when tests run as
// root) that later runs reuse.
func Dir() string {
	if d := os.Getenv("SHIPLOG_TEST_PGDIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("shiplog-test-%d", os.Getuid()))
}

// Main runs a package's tests with the cluster up, and leaves it after.
// Use it from TestMain: func TestMain(m *testing.M) { dbtest.Main(m) }.
// A cluster that cannot start fails the run; tests are never skipped.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main without the exit, for a TestMain that has more to stop
// afterwards: it returns m.Run's code.
func Run(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	if cluster != nil {
		if err := cluster.Close(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "dbtest: stopping the test cluster:", err)
		}
	}
	mu.Unlock()
	return code
}

func start(ctx context.Context) (*pgcluster.Cluster, string, error) {
	mu.Lock()
	defer mu.Unlock()
	if cluster != nil {
		return cluster, template, nil
	}
	dir := Dir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	c, err := pgcluster.Start(ctx, pgcluster.Config{Dir: dir, NoSync: true, Database: "postgres"})
	if err != nil {
		return nil, "", fmt.Errorf("starting the test PostgreSQL cluster in %s: %w", dir, err)
	}
	tmpl, err := ensureTemplate(ctx, c)
	if err != nil {
		c.Close(ctx)
		return nil, "", err
	}
	cluster, template = c, tmpl
	return c, tmpl, nil
}

// ensureTemplate creates (once per migration set) a migrated database to
// clone, under an advisory lock since test binaries run in parallel.
func ensureTemplate(ctx context.Context, c *pgcluster.Cluster) (string, error) {
	ms, err := store.Migrations()
	if err != nil {
		return "", err
	}
	var sums []string
	for _, m := range ms {
		sums = append(sums, m.Checksum[:8])
	}
	name := "shiplog_tmpl_" + hexHash(strings.Join(sums, ","))
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return "", fmt.Errorf("connecting to the test cluster: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(42)"); err != nil {
		return "", err
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock(42)")
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("creating template database: %w", err)
	}
	tconn, err := pgx.Connect(ctx, c.URL(name))
	if err != nil {
		return "", err
	}
	_, err = store.Migrate(ctx, tconn)
	tconn.Close(ctx)
	if err != nil {
		return "", fmt.Errorf("migrating the template database: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+name+" WITH is_template true"); err != nil {
		return "", err
	}
	return name, nil
}

func hexHash(s string) string {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return fmt.Sprintf("%016x", h)
}

// URL returns the URL of a fresh, migrated database that is dropped when t
// ends. It fails t (never skips) if PostgreSQL cannot be had.
func URL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, true)
}

// EmptyURL returns a fresh database with no schema at all.
func EmptyURL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, false)
}

func newDatabase(t testing.TB, migrated bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, tmpl, err := start(ctx)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatalf("dbtest: connecting: %v", err)
	}
	defer conn.Close(ctx)
	sql := "CREATE DATABASE " + name
	if migrated {
		sql += " TEMPLATE " + tmpl
	}
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, sql)
		// Two clones of one template at the same instant can collide.
		if err == nil || attempt == 20 || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("dbtest: creating database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err != nil {
			t.Errorf("dbtest: dropping %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dbtest: dropping %s: %v", name, err)
		}
	})
	return c.URL(name)
}

// Store opens a store on a fresh migrated database, with a secret box.
func Store(t testing.TB) *store.Store {
	t.Helper()
	s, _ := StoreURL(t)
	return s
}

// StoreURL is Store, also returning the database's URL.
func StoreURL(t testing.TB) (*store.Store, string) {
	t.Helper()
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	url := URL(t)
	s, err := store.Open(context.Background(), url, store.Options{Secrets: box})
	if err != nil {
		t.Fatalf("dbtest: opening store: %v", err)
	}
	t.Cleanup(s.Close)
	return s, url
}
