// Package store keeps shiplog's records in PostgreSQL through pgx: the SQL
// for environments, releases and their phases, logs, changes, plan files,
// artifacts, resource status and tokens lives here and nowhere else.
package store

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/secret"
)

// Querier is what both a pool and a transaction offer.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is shiplog's database.
type Store struct {
	pool  *pgxpool.Pool
	log   hclog.Logger
	box   *secret.Box
	clock func() time.Time
	// listener is the process's one LISTEN connection (listen.go).
	listener listener
}

// Options tune Open.
type Options struct {
	Logger hclog.Logger
	// Migrate applies pending migrations on open (the default for commands).
	Migrate bool
	// MaxConns caps the pool (default 16: pgx's own default of 4 is too few
	// for an API server with worker slots, each holding one for its logs).
	MaxConns int32
	// Secrets seals sensitive variable values; without it they are refused.
	Secrets *secret.Box
	// Clock, when set, is the time leases are granted, renewed and expire
	// by (tests move it to expire a lease without waiting). Unset, the
	// database's clock decides for claims, heartbeats and the reaper, so
	// that every worker measures leases by the same clock.
	Clock func() time.Time
}

// Open connects to the database at url and, if asked, migrates it.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	cfg.MaxConns = 16
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to the database: %w", err)
	}
	s := &Store{pool: pool, log: opts.Logger, box: opts.Secrets, clock: opts.Clock}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to the database at %s: %w", describeTarget(cfg.ConnConfig), err)
	}
	if opts.Migrate {
		if _, err := s.Migrate(ctx); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return s, nil
}

// describeTarget names host and database without the password.
func describeTarget(c *pgx.ConnConfig) string {
	return fmt.Sprintf("host=%s port=%d database=%s user=%s", c.Host, c.Port, c.Database, c.User)
}

// Migrate applies pending migrations and returns the versions it applied.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrating: %w", err)
	}
	defer conn.Release()
	done, err := Migrate(ctx, conn.Conn())
	for _, v := range done {
		s.log.Info("applied migration", "version", v)
	}
	return done, err
}

// MigrationState reports applied and pending migrations.
func (s *Store) MigrationState(ctx context.Context) (MigrationState, error) {
	return State(ctx, s.pool)
}

// Pool exposes the pool for listeners and benchmarks.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// leaseClock is the injected time for lease SQL, or nil for the database's
// now() (coalesce($n::timestamptz, now())).
func (s *Store) leaseClock() *time.Time {
	if s.clock == nil {
		return nil
	}
	t := s.clock()
	return &t
}

// now is the time a status change stamps a lease from.
func (s *Store) now() time.Time {
	if s.clock == nil {
		return time.Now()
	}
	return s.clock()
}

// inTx runs fn in one transaction.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}
