package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

func TestMigrateEmptyThenAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.EmptyURL(t)
	s, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.MigrationState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if st.Current() {
		t.Fatalf("empty database: want %d pending, got %+v", len(ms), st)
	}
	if len(st.Pending) != len(ms) {
		t.Fatalf("empty database: want %d pending, got %+v", len(ms), st)
	}
	done, err := s.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != len(ms) {
		t.Fatalf("applied %v, want all %d", done, len(ms))
	}
	done, err = s.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 0 {
		t.Fatalf("second migrate: applied %v, err %v; want nothing", done, err)
	}
	if st, _ = s.MigrationState(ctx); !st.Current() {
		t.Fatalf("after migrate: %+v", st)
	}
}

// Processes starting at once must apply each migration exactly once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.EmptyURL(t)
	var wg sync.WaitGroup
	applied := make([][]int, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close(ctx)
			applied[i], errs[i] = store.Migrate(ctx, conn)
		}()
	}
	wg.Wait()
	total := 0
	for i := range 4 {
		if errs[i] != nil {
			t.Fatalf("migrator %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if total != len(ms) {
		t.Fatalf("migrations applied %d times in all, want %d", total, len(ms))
	}
}

// A migration that fails halfway leaves nothing of itself behind.
func TestFailingMigrationRollsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	bad := store.Migration{Version: 9999, Name: "9999_bad.sql", Checksum: "x",
		SQL: "CREATE TABLE half_done (id int);\nALTER TABLE no_such_table ADD COLUMN x int;\n"}
	_, err = store.MigrateWith(ctx, conn, bad)
	if err == nil || !strings.Contains(err.Error(), "9999_bad.sql") || !strings.Contains(err.Error(), "line 2") ||
		!strings.Contains(err.Error(), "no_such_table") {
		t.Fatalf("want an error naming the file, line 2 and the table, got %v", err)
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('half_done') IS NOT NULL").Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatal("table from the failed migration exists: it was not rolled back")
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM schema_migrations WHERE version = 9999").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("failed migration was recorded")
	}
}

func TestOpenUnreachableDatabase(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10e9)
	defer cancel()
	_, err := store.Open(ctx, "postgres://nobody:secretpw@127.0.0.1:1/shiplog?connect_timeout=2", store.Options{})
	if err == nil {
		t.Fatal("want an error")
	}
	if !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("error should name the host and hide the password: %v", err)
	}
	if strings.Contains(err.Error(), "secretpw") {
		t.Fatalf("error should name the host and hide the password: %v", err)
	}
}
