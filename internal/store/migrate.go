package store

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockID is the advisory lock key taken while migrating, so that
// processes starting at once apply each migration exactly once.
const migrationLockID = 0x5348_4950_4c4f_47 // "SHIPLOG"

// Migration is one embedded schema change.
type Migration struct {
	Version  int
	Name     string
	SQL      string
	Checksum string
}

// Migrations returns the embedded migrations in order.
func Migrations() ([]Migration, error) {
	return loadMigrations(migrationFiles, "migrations")
}

func loadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("reading migrations: %w", err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive version number and '_'", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, name, v)
		}
		seen[v] = name
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("reading migration %s: %w", name, err)
		}
		sum := sha256.Sum256(b)
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b), Checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// MigrationState compares the database with the embedded migrations.
type MigrationState struct {
	Applied []int
	Pending []int
}

// Current reports whether every embedded migration has been applied.
func (m MigrationState) Current() bool { return len(m.Pending) == 0 }

// Migrate applies every pending migration, each in its own transaction,
// under an advisory lock. A migration that fails is rolled back whole and
// its error names the file and the position of the failing statement.
func Migrate(ctx context.Context, conn *pgx.Conn) ([]int, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	return migrate(ctx, conn, ms)
}

func migrate(ctx context.Context, conn *pgx.Conn, ms []Migration) ([]int, error) {
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLockID)); err != nil {
		return nil, fmt.Errorf("taking the migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLockID))

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    int PRIMARY KEY,
		name       text NOT NULL,
		checksum   text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("creating schema_migrations: %w", err)
	}
	applied, err := appliedMigrations(ctx, conn)
	if err != nil {
		return nil, err
	}
	known := map[int]bool{}
	for _, m := range ms {
		known[m.Version] = true
		if sum, ok := applied[m.Version]; ok && sum != m.Checksum {
			return nil, fmt.Errorf("migration %s was changed after it was applied (checksum %s in the database, %s embedded)", m.Name, short(sum), short(m.Checksum))
		}
	}
	for v := range applied {
		if !known[v] {
			return nil, fmt.Errorf("the database has migration %d, which this shiplog does not know: it was migrated by a newer shiplog", v)
		}
	}
	var done []int
	for _, m := range ms {
		if _, ok := applied[m.Version]; ok {
			continue
		}
		if err := applyOne(ctx, conn, m); err != nil {
			return done, err
		}
		done = append(done, m.Version)
	}
	return done, nil
}

func applyOne(ctx context.Context, conn *pgx.Conn, m Migration) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for _, st := range statements(m.SQL) {
			// Simple protocol: a statement may carry several commands.
			if _, err := tx.Exec(ctx, st.sql, pgx.QueryExecModeSimpleProtocol); err != nil {
				return fmt.Errorf("migration %s failed at the statement on line %d, nothing of it was applied: %s", m.Name, st.line+sqlErrorLine(st.sql, err), sqlErrorText(err))
			}
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", m.Version, m.Name, m.Checksum); err != nil {
			return fmt.Errorf("recording migration %s: %w", m.Name, err)
		}
		return nil
	})
}

type statement struct {
	sql  string
	line int // 1-based line of the statement's first line
}

// statements splits a migration at lines ending in ';' so an error can name
// its line. A file with dollar quoting runs as one statement.
func statements(sql string) []statement {
	if strings.Contains(sql, "$$") {
		return []statement{{sql: sql, line: 1}}
	}
	var out []statement
	var cur strings.Builder
	start := 1
	for i, line := range strings.SplitAfter(sql, "\n") {
		if cur.Len() == 0 {
			if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "--") {
				continue
			}
			start = i + 1
		}
		cur.WriteString(line)
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			out = append(out, statement{sql: cur.String(), line: start})
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, statement{sql: cur.String(), line: start})
	}
	return out
}

func appliedMigrations(ctx context.Context, conn *pgx.Conn) (map[int]string, error) {
	rows, err := conn.Query(ctx, "SELECT version, checksum FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("reading schema_migrations: %w", err)
	}
	applied := map[int]string{}
	for rows.Next() {
		var v int
		var sum string
		if err := rows.Scan(&v, &sum); err != nil {
			return nil, fmt.Errorf("reading schema_migrations: %w", err)
		}
		applied[v] = sum
	}
	return applied, rows.Err()
}

// State reports which embedded migrations the database has.
func State(ctx context.Context, q Querier) (MigrationState, error) {
	ms, err := Migrations()
	if err != nil {
		return MigrationState{}, err
	}
	var st MigrationState
	have := map[int]bool{}
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil {
		return st, fmt.Errorf("looking for schema_migrations: %w", err)
	}
	if exists {
		rows, err := q.Query(ctx, "SELECT version FROM schema_migrations")
		if err != nil {
			return st, fmt.Errorf("reading schema_migrations: %w", err)
		}
		versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			return st, fmt.Errorf("reading schema_migrations: %w", err)
		}
		for _, v := range versions {
			have[v] = true
		}
	}
	for _, m := range ms {
		if have[m.Version] {
			st.Applied = append(st.Applied, m.Version)
		} else {
			st.Pending = append(st.Pending, m.Version)
		}
	}
	return st, nil
}

// sqlErrorLine is how many lines into sql a PostgreSQL error points (0 if
// it gives no position).
func sqlErrorLine(sql string, err error) int {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Position > 0 && int(pgErr.Position) <= len(sql)+1 {
		return strings.Count(sql[:pgErr.Position-1], "\n")
	}
	return 0
}

func sqlErrorText(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Sprintf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}
	return err.Error()
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// MigrateWith applies the embedded migrations followed by extra ones; tests
// use it to check how a failing migration is handled.
func MigrateWith(ctx context.Context, conn *pgx.Conn, extra ...Migration) ([]int, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	return migrate(ctx, conn, append(ms, extra...))
}
